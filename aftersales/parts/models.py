"""Spare parts: catalogue, depots, stock by condition, the append-only ledger, advance
replacements and exchange repairs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.parts.choices import (
    Condition,
    ExchangeStatus,
    MoveKind,
    ReplacementStatus,
    RequestStatus,
)


class Part(models.Model):
    part_number = models.CharField(_("part number"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    compatible_products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("compatible products"), blank=True, related_name="+"
    )
    substitutes = models.ManyToManyField(
        "self",
        verbose_name=_("substitutes / equivalents"),
        blank=True,
        symmetrical=False,
        related_name="substitute_for",
    )
    serial_tracked = models.BooleanField(_("serial-tracked"), default=False)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_number"]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"


class Depot(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "customers.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    calendar = models.ForeignKey(
        "calendars.BusinessCalendar",
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.TextField(_("address"), blank=True)

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Stock(models.Model):
    """Units of one part at one depot in one condition; always equal to the ledger's sum."""

    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="stock")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock")
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "part", "condition"], name="parts_stock_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="parts_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.depot_id}/{self.part_id}/{self.condition}: {self.quantity}"


class SerialUnit(models.Model):
    """One serial-numbered unit of a tracked part; ``depot`` empty while with a customer."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="units")
    serial_number = models.CharField(_("serial number"), max_length=100)
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, null=True, blank=True, related_name="units"
    )
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, blank=True
    )

    class Meta:
        verbose_name = _("serial unit")
        verbose_name_plural = _("serial units")
        constraints = [
            models.UniqueConstraint(fields=["part", "serial_number"], name="parts_serial_unique")
        ]

    def __str__(self) -> str:
        return self.serial_number


class StockMovement(models.Model):
    """One row of the append-only ledger: ``quantity`` units of ``part`` leave
    ``from_condition`` at ``depot`` (if set) and enter ``to_condition`` at ``to_depot`` or
    ``depot`` (if set). Rows are never changed or deleted."""

    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=MoveKind.choices)
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="movements")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    from_condition = models.CharField(
        _("from"), max_length=20, choices=Condition.choices, blank=True
    )
    to_condition = models.CharField(_("to"), max_length=20, choices=Condition.choices, blank=True)
    to_depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["depot", "part", "at"], name="parts_move_depot_part")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("stock movements are append-only")


class MinimumLevel(models.Model):
    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="minimums")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="minimums")
    minimum = models.PositiveIntegerField(_("minimum good stock"))
    # Set when good stock fell below the minimum and the clerks were told; cleared (re-armed)
    # once good stock is back at the minimum or above.
    low_since = models.DateTimeField(_("below the minimum since"), null=True, blank=True)
    low_alerts = models.PositiveIntegerField(_("low-stock notices sent"), default=0)

    class Meta:
        verbose_name = _("minimum level")
        verbose_name_plural = _("minimum levels")
        constraints = [
            models.UniqueConstraint(fields=["depot", "part"], name="parts_minimum_unique")
        ]

    def __str__(self) -> str:
        return f"{self.depot_id}/{self.part_id} >= {self.minimum}"


class ReplenishmentRequest(models.Model):
    """A request to the manufacturer for more of a part (向设备制造商申请足够的零部件)."""

    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("replenishment request")
        verbose_name_plural = _("replenishment requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.part_id} x {self.quantity} ({self.status})"


class Replacement(models.Model):
    """An advance replacement (备件先行更换): a good part goes out before the faulty one returns."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="replacements")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReplacementStatus.choices,
        default=ReplacementStatus.RESERVED,
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    fault_confirmed_at = models.DateTimeField(_("fault confirmed at"))
    ship_by = models.DateTimeField(_("ship by"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    return_due = models.DateTimeField(_("return due"), null=True, blank=True)
    returned_at = models.DateTimeField(_("faulty part received at"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("advance replacement")
        verbose_name_plural = _("advance replacements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ExchangeRepair(models.Model):
    """An exchange-repair order (换件维修): due 72 working hours after receipt."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="exchange_repairs"
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ExchangeStatus.choices,
        default=ExchangeStatus.RECEIVED,
    )
    received_at = models.DateTimeField(_("received at"))
    warn_at = models.DateTimeField(_("warning at"))
    due_at = models.DateTimeField(_("due at"))
    completed_at = models.DateTimeField(_("shipped back at"), null=True, blank=True)
    warned = models.BooleanField(default=False, editable=False)
    breached = models.BooleanField(default=False, editable=False)
    escalation = models.OneToOneField(
        "sla.Escalation",
        verbose_name=_("escalation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="exchange_repair",
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("exchange repair")
        verbose_name_plural = _("exchange repairs")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return self.number
