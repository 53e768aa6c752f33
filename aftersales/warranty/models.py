"""Warranty claims (索赔): the supervisor's assessment and decision; quotes out of warranty."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Attachment, Case
from aftersales.warranty.choices import ClaimDecision, ClaimRemedy, QuoteLineKind, QuoteStatus

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


class ClaimAssessment(models.Model):
    """The assessment of a warranty-claim case: scope and exclusions found, the decision, the
    remedy, and when the remedy was carried out. One per case, written by the claim services."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="claim_assessment"
    )
    # Warranty on the day the claim was reported, as the supervisor saw it when deciding.
    warranty_active = models.BooleanField(_("in warranty when reported"), null=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    scope = models.JSONField(_("scope found"), default=list, blank=True)
    exclusions = models.JSONField(_("exclusions found"), default=list, blank=True)
    findings = models.TextField(_("findings (internal)"), blank=True)
    evidence = models.ManyToManyField(
        Attachment, verbose_name=_("evidence"), blank=True, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=ClaimDecision.choices)
    remedy = models.CharField(_("remedy"), max_length=20, choices=ClaimRemedy.choices, blank=True)
    refund_amount = models.DecimalField(_("refund amount"), null=True, blank=True, **MONEY)
    customer_answer = models.TextField(_("answer to the customer"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    remedy_done_at = models.DateTimeField(_("remedy carried out at"), null=True, blank=True)
    remedy_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("remedy carried out by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    remedy_note = models.TextField(_("remedy note"), blank=True)

    class Meta:
        verbose_name = _("claim assessment")
        verbose_name_plural = _("claim assessments")
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.decision}"

    @property
    def needs_remedy(self) -> bool:
        return self.decision in (ClaimDecision.COVERED, ClaimDecision.PARTLY_COVERED)


class Quote(models.Model):
    """A quote for work not covered (parts, labour, travel) that the customer accepts or
    declines before the work continues."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="quotes"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.SENT
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    total = models.DecimalField(_("total"), **MONEY)
    note = models.TextField(_("note to the customer"), blank=True)
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("customer's note"), blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["case", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="sent"),
                name="warranty_one_open_quote_per_case",
            )
        ]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuoteLineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "id"]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))
