"""Return and exchange requests: one per case of type ``return_exchange``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.returns.choices import ReturnKind, ReturnReason, ReturnStep


class ReturnRequest(models.Model):
    """A customer's request to return or exchange goods, with the policy's decision and the
    steps of its handling (RMA, receipt, inspection, refund or exchange).

    The goods are either an asset (by serial number) or an order line (order reference, product,
    quantity and that line's delivery date). ``step`` is written only by the services in
    ``returns.services`` along ``returns.transitions``.
    """

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="return_request",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReturnKind.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=ReturnReason.choices)
    asset = models.ForeignKey(
        "catalog.Asset",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_requests",
    )
    order_reference = models.CharField(_("order reference"), max_length=64, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    delivered_on = models.DateField(_("delivery date"), null=True, blank=True)
    step = models.CharField(
        _("step"),
        max_length=12,
        choices=ReturnStep.choices,
        default=ReturnStep.REQUESTED,
        editable=False,
    )
    # The policy's decision when the request was made (or the supervisor's override).
    is_eligible = models.BooleanField(_("eligible"), default=False)
    eligibility_rule = models.CharField(_("rule applied"), max_length=32, blank=True)
    eligibility_explanation = models.TextField(_("eligibility explanation"), blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), null=True, blank=True)
    requested_on = models.DateField(_("requested on"))
    is_overridden = models.BooleanField(_("decision overridden"), default=False)
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)

    rma_number = models.CharField(
        _("RMA number"), max_length=32, unique=True, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)

    received_on = models.DateField(_("goods received on"), null=True, blank=True)
    condition_notes = models.TextField(_("condition on receipt"), blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    inspection_passed = models.BooleanField(_("inspection passed"), null=True, blank=True)
    inspection_findings = models.TextField(_("inspection findings"), blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)

    refund_amount = models.DecimalField(
        _("refund amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    replacement_serial = models.CharField(_("replacement serial number"), max_length=64, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded or exchanged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("refunded or exchanged at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("return or exchange request")
        verbose_name_plural = _("return and exchange requests")
        ordering = ["-id"]
        indexes = [models.Index(fields=["step", "id"], name="returns_request_step_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asset__isnull=False)
                | (~models.Q(order_reference="") & models.Q(product__isnull=False)),
                name="returns_returnrequest_asset_or_order_line",
            ),
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True) | models.Q(refund_amount__gte=0),
                name="returns_returnrequest_refund_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.rma_number or f"{self.case_id} {self.kind}"

    @property
    def goods_label(self) -> str:
        """Return what is being returned, as people write it."""
        if self.asset_id:
            return self.asset.serial_number
        product = self.product.code if self.product_id else ""
        return f"{self.order_reference} · {product} × {self.quantity}"
