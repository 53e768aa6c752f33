"""Field service: engineers' skills and availability, visits and remote sessions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.calendars.models import BusinessCalendar
from aftersales.cases.choices import CaseSeverity, CaseType
from aftersales.cases.models import Case
from aftersales.customers.models import Region
from aftersales.dispatch.choices import AbsenceKind, VisitKind, VisitStatus


class EngineerProfile(models.Model):
    """What an engineer can do, where, and how much at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="engineer_profile",
    )
    product_lines = models.JSONField(
        _("product lines"),
        default=list,
        blank=True,
        help_text=_("Product categories this engineer services, e.g. network, server, storage."),
    )
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    regions_served = models.ManyToManyField(
        Region, verbose_name=_("regions served"), blank=True, related_name="+"
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("working calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the standard cn-5x8 calendar."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("open cases at once"), default=8, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("engineer profile")
        verbose_name_plural = _("engineer profiles")

    def __str__(self) -> str:
        return str(self.user)


class Certification(models.Model):
    profile = models.ForeignKey(
        EngineerProfile,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    name = models.CharField(_("certification"), max_length=100)
    product_line = models.CharField(_("product line"), max_length=40, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["profile", "name"]

    def __str__(self) -> str:
        return self.name


class Absence(models.Model):
    """Leave, training or other time away (an engineer is not dispatched then)."""

    profile = models.ForeignKey(
        EngineerProfile,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AbsenceKind.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["profile", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="dispatch_absence_ends_after_start",
                violation_error_message=_("An absence must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.kind} {self.starts_at:%Y-%m-%d}"


class Visit(models.Model):
    """A visit on site or a remote session on a case: plan, travel, arrival, work, departure."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="visits"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=VisitKind.choices, default=VisitKind.ONSITE
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    planned_at = models.DateTimeField(_("planned for"))
    travel_started_at = models.DateTimeField(_("travel started"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True)
    work_performed = models.TextField(_("work performed"), blank=True)
    customer_feedback = models.TextField(_("customer's feedback"), blank=True)
    feedback_score = models.PositiveSmallIntegerField(
        _("customer's score (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["case", "planned_at", "id"]
        indexes = [models.Index(fields=["engineer", "status"], name="dispatch_visit_eng_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.planned_at:%Y-%m-%d %H:%M}"

    @property
    def minutes_on_site(self) -> int | None:
        if self.arrived_at is None or self.departed_at is None:
            return None
        return int((self.departed_at - self.arrived_at).total_seconds() // 60)

    @property
    def minutes_travelling(self) -> int | None:
        if self.travel_started_at is None or self.arrived_at is None:
            return None
        return int((self.arrived_at - self.travel_started_at).total_seconds() // 60)


class VisitPart(models.Model):
    """A part replaced during a visit: the serial taken out and the one put in."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="parts"
    )
    part = models.CharField(_("part"), max_length=100)
    serial_out = models.CharField(_("serial removed"), max_length=80, blank=True)
    serial_in = models.CharField(_("serial installed"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("part replaced")
        verbose_name_plural = _("parts replaced")
        ordering = ["visit", "id"]

    def __str__(self) -> str:
        return f"{self.part}: {self.serial_out} -> {self.serial_in}"


class Rotation(models.Model):
    """An on-call rotation (值班表): members take turns in fixed-length shifts.

    Generating it writes the on-call shifts that after-hours routing reads
    (``notifications.OnCallShift``), each exactly once; a swap hands one shift to someone else.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every region."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("first shift starts"))
    shift_hours = models.PositiveSmallIntegerField(
        _("shift length (hours)"), default=24, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("on-call rotation")
        verbose_name_plural = _("on-call rotations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RotationMember(models.Model):
    rotation = models.ForeignKey(
        Rotation, verbose_name=_("rotation"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("rotation member")
        verbose_name_plural = _("rotation members")
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "position"], name="dispatch_rotation_member_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rotation_id}#{self.position}: {self.user_id}"


class RotationShift(models.Model):
    """The on-call shift a rotation generated for one period (unique: generated once)."""

    rotation = models.ForeignKey(
        Rotation, verbose_name=_("rotation"), on_delete=models.CASCADE, related_name="shifts"
    )
    index = models.PositiveIntegerField(_("period number"))
    shift = models.OneToOneField(
        "notifications.OnCallShift",
        verbose_name=_("shift"),
        on_delete=models.CASCADE,
        related_name="rotation_link",
    )

    class Meta:
        verbose_name = _("rotation shift")
        verbose_name_plural = _("rotation shifts")
        ordering = ["rotation", "index"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "index"], name="dispatch_rotation_period")
        ]

    def __str__(self) -> str:
        return f"{self.rotation_id}#{self.index}"


class ShiftSwap(models.Model):
    """A shift handed from one person to another, with who arranged it and why."""

    shift = models.ForeignKey(
        "notifications.OnCallShift",
        verbose_name=_("shift"),
        on_delete=models.CASCADE,
        related_name="swaps",
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("arranged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("arranged at"))

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.shift_id}: {self.from_user_id} -> {self.to_user_id}"


class ServicePlan(models.Model):
    """Preventive maintenance or periodic visits (不定期走访) for a contract or one asset.

    Each period opens one case of the plan's type ``lead_days`` ahead of the period's start.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    case_type = models.CharField(
        _("case type"),
        max_length=20,
        choices=[("maintenance", _("Preventive maintenance")), ("visit", _("Customer visit"))],
    )
    contract = models.ForeignKey(
        "catalog.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_plans",
    )
    asset = models.ForeignKey(
        "catalog.Asset",
        verbose_name=_("asset"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_plans",
    )
    every_months = models.PositiveSmallIntegerField(
        _("every (months)"), default=3, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(_("first period starts"))
    ends_on = models.DateField(_("last period starts by"), null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(_("open the case this many days ahead"), default=7)
    checklist = models.TextField(_("checklist (one item per line)"), blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(contract__isnull=False, asset__isnull=True)
                    | models.Q(contract__isnull=True, asset__isnull=False)
                ),
                name="dispatch_plan_contract_or_asset",
                violation_error_message=_("A plan covers a contract or one asset."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class PlannedCase(models.Model):
    """The case a plan opened for one period (unique: one per period)."""

    plan = models.ForeignKey(
        ServicePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="occurrences"
    )
    period_start = models.DateField(_("period starts"))
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="planned_by"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("planned case")
        verbose_name_plural = _("planned cases")
        ordering = ["plan", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period_start"], name="dispatch_plan_period")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.period_start}"


class ChecklistItem(models.Model):
    """One item of a case's checklist (planned work, installation and commissioning)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="checklist"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("item"), max_length=300)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="dispatch_checklist_position")
        ]

    def __str__(self) -> str:
        return self.text


class BackupUnit(models.Model):
    """A loaner (备用设备) in the backup pool."""

    serial_number = models.CharField(_("serial number"), max_length=80, unique=True)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("kept in region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("in the pool"), default=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("backup unit")
        verbose_name_plural = _("backup units")
        ordering = ["serial_number"]

    def __str__(self) -> str:
        return self.serial_number


class Loan(models.Model):
    """A backup unit lent to a customer against a case, until it comes back."""

    unit = models.ForeignKey(
        BackupUnit, verbose_name=_("backup unit"), on_delete=models.PROTECT, related_name="loans"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="loans"
    )
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_back = models.DateField(_("due back"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    condition = models.CharField(_("condition on return"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(returned_at__isnull=True),
                name="dispatch_one_open_loan_per_unit",
                violation_error_message=_("This unit is already lent out."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} -> {self.case_id}"


class DispatchRule(models.Model):
    """Auto-dispatch: new, unassigned cases of this type (and severity) go to the best-ranked
    available engineer without waiting for a person."""

    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices)
    severity = models.CharField(
        _("severity"),
        max_length=3,
        choices=CaseSeverity.choices,
        blank=True,
        help_text=_("Empty: any severity."),
    )
    skilled_only = models.BooleanField(
        _("only engineers with the product line"),
        default=True,
        help_text=_("Off: the best-ranked available engineer even without the skill."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("auto-dispatch rule")
        verbose_name_plural = _("auto-dispatch rules")
        ordering = ["case_type", "severity"]

    def __str__(self) -> str:
        return f"{self.case_type} {self.severity or '*'}"
