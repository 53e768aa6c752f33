"""Products, service contracts and installed units (assets)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.choices import CoverageKind, ServiceLevel, WarrantyStart
from aftersales.core.models import TimeStampedModel
from aftersales.customers.models import Customer, Region, Site, code_validator


class Product(TimeStampedModel):
    """A product model that the vendor sells and services (产品)."""

    code = models.CharField(_("code"), max_length=60, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"),
        max_length=60,
        help_text=_("Free text, e.g. network, server, storage, printer."),
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Contract(TimeStampedModel):
    """A service contract (服务合同): service level, warranty and upgrade entitlements."""

    number = models.CharField(_("number"), max_length=60, unique=True, validators=[code_validator])
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    service_level = models.CharField(
        _("service level"),
        max_length=8,
        choices=ServiceLevel.choices,
        default=ServiceLevel.STANDARD_5X8,
    )
    hardware_warranty_months = models.PositiveSmallIntegerField(
        _("hardware warranty (months)"), default=12, validators=[MaxValueValidator(600)]
    )
    warranty_start = models.CharField(
        _("warranty counted"),
        max_length=20,
        choices=WarrantyStart.choices,
        default=WarrantyStart.PURCHASE,
    )
    software_upgrade_months = models.PositiveSmallIntegerField(
        _("software upgrades (months)"), default=0, validators=[MaxValueValidator(600)]
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                name="catalog_contract_end_after_start",
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                violation_error_message=_("The end date must not be before the start date."),
            )
        ]

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The end date must not be before the start date.")}
            )

    def __str__(self) -> str:
        return self.number


class Asset(TimeStampedModel):
    """An installed unit (设备) identified by its serial number, at a customer's site."""

    serial_number = models.CharField(
        _("serial number"), max_length=80, unique=True, validators=[code_validator]
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="assets"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="assets"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
    )
    purchase_date = models.DateField(_("purchase date"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    installation_date = models.DateField(_("installation date"), null=True, blank=True)
    final_acceptance_date = models.DateField(_("final acceptance date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["serial_number"]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.contract_id and self.customer_id and self.contract.customer_id != self.customer_id:
            errors["contract"] = _("The contract belongs to another customer.")
        if self.site_id and self.customer_id and self.site.customer_id != self.customer_id:
            errors["site"] = _("The site belongs to another customer.")
        for field in ("delivery_date", "installation_date", "final_acceptance_date"):
            value = getattr(self, field)
            if value and self.purchase_date and value < self.purchase_date:
                errors[field] = _("This date must not be before the purchase date.")
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.serial_number


class WarrantyExtension(models.Model):
    """An extension or renewal of an asset's hardware warranty or software-upgrade entitlement.

    Each row covers ``start`` to ``end`` (the last covered day) on top of what the contract gives;
    rows are never changed or deleted, so they are the record of who extended what, and why.
    """

    asset = models.ForeignKey(
        Asset,
        verbose_name=_("asset"),
        on_delete=models.CASCADE,
        related_name="warranty_extensions",
    )
    kind = models.CharField(_("coverage"), max_length=20, choices=CoverageKind.choices)
    start = models.DateField(_("first covered day"))
    end = models.DateField(_("last covered day"))
    reason = models.TextField(_("reason"))
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("An order or quote number.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("warranty extension")
        verbose_name_plural = _("warranty extensions")
        ordering = ["asset", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="catalog_extension_end_not_before_start",
                violation_error_message=_("The last covered day must not be before the first."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.kind} {self.start}..{self.end}"


class ContractRenewal(models.Model):
    """A renewal of a service contract: its new end date (and level), who renewed it and why."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="renewals"
    )
    previous_end_date = models.DateField(_("previous end date"), null=True, blank=True)
    new_end_date = models.DateField(_("new end date"))
    previous_service_level = models.CharField(
        _("previous service level"), max_length=10, choices=ServiceLevel.choices
    )
    new_service_level = models.CharField(
        _("new service level"), max_length=10, choices=ServiceLevel.choices
    )
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("renewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("renewed at"))

    class Meta:
        verbose_name = _("contract renewal")
        verbose_name_plural = _("contract renewals")
        ordering = ["contract", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id} -> {self.new_end_date}"
