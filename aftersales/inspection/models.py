"""Deliveries (到货) and their acceptance inspection (采购货物收货情况检验表).

Three signed stages per delivery: initial (初步检验), professional (专业检验) and final before
warehousing (入库前的最后检验). A signed stage is never changed; corrections are addenda.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import Asset, Contract, Product
from aftersales.customers.models import Contact, Customer, Site


class Stage(models.TextChoices):
    INITIAL = "initial", _("Initial inspection")
    PROFESSIONAL = "professional", _("Professional inspection")
    FINAL = "final", _("Final inspection before warehousing")


class Verdict(models.TextChoices):
    PASS = "pass", _("Conforming")  # 合格
    FAIL = "fail", _("Non-conforming")  # 不合格


class DeliveryStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    INITIAL_DONE = "initial_done", _("Initial inspection signed")
    PROFESSIONAL_DONE = "professional_done", _("Professional inspection signed")
    ACCEPTED = "accepted", _("Final inspection signed")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("With the quality supervisor")
    REFERRED = "referred", _("Referred to an appraisal body")
    DECIDED = "decided", _("Decided")


class InspectionImmutable(TypeError):
    """Raised by the model layer on any attempt to change or delete a signed stage."""


class RequiredDocument(models.Model):
    """A document that must come with every unit of a product category (configurable)."""

    category = models.CharField(_("product category"), max_length=60, db_index=True)
    name = models.CharField(_("document"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["category", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "name"], name="inspection_document_unique_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.name}"


class ChecklistItem(models.Model):
    """One measurement of the professional inspection for a product category, with limits."""

    category = models.CharField(_("product category"), max_length=60, db_index=True)
    name = models.CharField(_("check"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    lower = models.DecimalField(
        _("lower limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    upper = models.DecimalField(
        _("upper limit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["category", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.category}: {self.name}"


class Delivery(models.Model):
    """Goods delivered to a customer (到货), to be accepted in three signed stages."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deliveries"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    project = models.CharField(_("project"), max_length=200, blank=True)
    site = models.ForeignKey(
        Site,
        verbose_name=_("delivery site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    delivery_date = models.DateField(_("delivery date"))
    acceptance_team = models.CharField(_("acceptance team"), max_length=300, blank=True)
    purchaser = models.ForeignKey(
        Contact,
        verbose_name=_("purchaser's contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    supplier_email = models.EmailField(_("supplier's e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.EXPECTED
    )
    final_acceptance_date = models.DateField(_("project final acceptance"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivery_date", "-pk"]

    def __str__(self) -> str:
        return f"DL-{self.pk}"


class DeliveryLine(models.Model):
    """An expected line of a delivery: a product, a quantity and the serials where known."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("quantity"))
    serials = models.JSONField(_("serial numbers"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # The line's verdict: the professional one, or the dispute's decision that replaced it.
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["delivery", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class InspectionQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise InspectionImmutable("Signed inspections cannot be changed.")

    def delete(self) -> Any:
        raise InspectionImmutable("Signed inspections cannot be deleted.")


class Inspection(models.Model):
    """One signed stage of a delivery's inspection; written once, never changed."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="inspections")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("signed by"), max_length=100)
    signer_role = models.CharField(_("role"), max_length=100)
    signed_at = models.DateTimeField(_("signed at"))
    signature = models.FileField(_("signature"), upload_to="inspection/signatures/")
    notes = models.TextField(_("notes"), blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["delivery", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "stage"], name="inspection_one_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.delivery} {self.get_stage_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise InspectionImmutable("Signed inspections cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise InspectionImmutable("Signed inspections cannot be deleted.")


class LineCheck(models.Model):
    """What one stage found on one line (or one serial of it); written with the signature."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="checks")
    line = models.ForeignKey(DeliveryLine, on_delete=models.PROTECT, related_name="checks")
    serial = models.CharField(_("serial number"), max_length=80, blank=True)
    quantity_counted = models.PositiveIntegerField(_("quantity counted"), null=True, blank=True)
    appearance_ok = models.BooleanField(_("appearance in order"), null=True, blank=True)
    appearance_note = models.CharField(_("appearance"), max_length=300, blank=True)
    documents_present = models.JSONField(_("documents present"), default=list, blank=True)
    measurements = models.JSONField(_("measurements"), default=list, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reasons = models.TextField(_("reasons"), blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("line check")
        verbose_name_plural = _("line checks")
        ordering = ["inspection", "line__position", "line", "serial"]

    def __str__(self) -> str:
        return f"{self.line} {self.serial} {self.verdict}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise InspectionImmutable("Signed inspections cannot be changed.")
        super().save(*args, **kwargs)


class InspectionFile(models.Model):
    """Evidence kept with a stage: photos, test logs, a third-party test report."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        TEST_LOG = "test_log", _("Test log")
        THIRD_PARTY = "third_party_report", _("Third-party test report")
        OTHER = "other", _("Other")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="files")
    line = models.ForeignKey(
        DeliveryLine, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to="inspection/files/")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("inspection file")
        verbose_name_plural = _("inspection files")

    def __str__(self) -> str:
        return self.name


class Addendum(models.Model):
    """A correction to a signed stage: who wrote it, when and why."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(_("correction"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["inspection", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.inspection}: {self.reason}"


class Dispute(models.Model):
    """A disputed line (争议): a written report to the quality supervisor, maybe an appraisal."""

    line = models.ForeignKey(DeliveryLine, on_delete=models.PROTECT, related_name="disputes")
    report = models.TextField(_("written report"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    appraisal_body = models.CharField(_("appraisal body"), max_length=200, blank=True)
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True)
    appraisal_report = models.FileField(
        _("appraisal report"), upload_to="inspection/appraisals/", blank=True
    )
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict.choices, blank=True)
    decision = models.TextField(_("reasons of the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.line}: {self.get_status_display()}"


class AcceptedUnit(models.Model):
    """A delivered unit that became the customer's asset on the final inspection."""

    line = models.ForeignKey(DeliveryLine, on_delete=models.PROTECT, related_name="units")
    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, related_name="acceptance")
    accepted_on = models.DateField(_("accepted on"))

    def __str__(self) -> str:
        return str(self.asset)


class NonConformityCase(models.Model):
    """The case opened for replacement or repair of a non-conforming line."""

    line = models.ForeignKey(DeliveryLine, on_delete=models.PROTECT, related_name="cases")
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="inspection_link"
    )

    def __str__(self) -> str:
        return f"{self.line} → {self.case}"
