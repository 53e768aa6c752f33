"""Software releases of products and the upgrade notices sent to entitled customers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.releases.choices import ReleaseSeverity


class SoftwareRelease(models.Model):
    """A software version of a product, with release notes in Chinese and English."""

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="releases",
    )
    version = models.CharField(_("version"), max_length=40)
    severity = models.CharField(_("kind"), max_length=10, choices=ReleaseSeverity.choices)
    released_on = models.DateField(_("released on"))
    notes_zh = models.TextField(_("release notes (Chinese)"))
    notes_en = models.TextField(_("release notes (English)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("software release")
        verbose_name_plural = _("software releases")
        ordering = ["product", "-released_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="releases_product_version")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.version}"


class ReleaseNotice(models.Model):
    """One upgrade notice to one contact of an entitled customer (written once per release)."""

    release = models.ForeignKey(
        SoftwareRelease, verbose_name=_("release"), on_delete=models.CASCADE, related_name="notices"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(_("e-mail"))
    assets = models.JSONField(_("entitled units"), default=list)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("upgrade case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("upgrade notice")
        verbose_name_plural = _("upgrade notices")
        ordering = ["release", "customer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "contact"], name="releases_one_notice")
        ]

    def __str__(self) -> str:
        return f"{self.release_id} -> {self.email}"
