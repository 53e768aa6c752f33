"""Service reports (售后服务报告): written at the end of a visit or a case, signed by the customer
on the engineer's phone, then immutable and archived with the case.

A report is a draft until the customer signs; from then on neither services nor the ORM change it
(``save``, ``delete`` and queryset ``update``/``delete`` refuse). Corrections are addenda, which
are append-only. The signed original PDF is kept on the report; each addendum stores a new PDF
version that includes every addendum so far.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Case


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class ReportImmutable(TypeError):
    """Raised by the model layer on any attempt to change a signed report or an addendum."""


def _file_path(kind: str, instance: Any, filename: str) -> str:
    report = instance if isinstance(instance, ServiceReport) else instance.report
    return f"reports/{report.case_id}/{report.pk}/{kind}-{filename}"


def signature_path(instance: Any, filename: str) -> str:
    return _file_path("signature", instance, filename)


def pdf_path(instance: Any, filename: str) -> str:
    return _file_path("pdf", instance, filename)


class ServiceReportQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        if self.filter(status=ReportStatus.SIGNED).exists():
            raise ReportImmutable("Signed service reports cannot be changed.")
        return super().update(**kwargs)

    def delete(self) -> Any:
        if self.filter(status=ReportStatus.SIGNED).exists():
            raise ReportImmutable("Signed service reports cannot be deleted.")
        return super().delete()


class ServiceReport(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="service_reports"
    )
    visit = models.ForeignKey(
        "dispatch.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_reports",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    problem = models.TextField(_("problem description"), blank=True)
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    repair_process = models.TextField(_("repair process"), blank=True)
    parts = models.JSONField(
        _("parts replaced"),
        default=list,
        blank=True,
        help_text=_("A list of {part, serial_out, serial_in}."),
    )
    test_results = models.TextField(_("test and verification results"), blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    signer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signer_email = models.EmailField(_("signer's e-mail"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature = models.FileField(_("signature"), upload_to=signature_path, blank=True)
    pdf = models.FileField(_("signed PDF"), upload_to=pdf_path, max_length=300, blank=True)

    objects = ServiceReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["case", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(status="signed", signed_at__isnull=False)
                    & ~models.Q(signer_name="")
                    & ~models.Q(signature="")
                ),
                name="servicereports_signed_has_signature",
            ),
            models.UniqueConstraint(
                fields=["visit"],
                condition=models.Q(visit__isnull=False),
                name="servicereports_one_report_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.pk} {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=ReportStatus.SIGNED).exists()
        ):
            raise ReportImmutable("Signed service reports cannot be changed; add an addendum.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=ReportStatus.SIGNED).exists()
        ):
            raise ReportImmutable("Signed service reports cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == ReportStatus.SIGNED


class AddendumQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ReportImmutable("Addenda are append-only.")

    def delete(self) -> Any:
        raise ReportImmutable("Addenda are append-only.")


class ReportAddendum(models.Model):
    """A later correction or remark on a signed report (append-only)."""

    report = models.ForeignKey(
        ServiceReport,
        verbose_name=_("service report"),
        on_delete=models.PROTECT,
        related_name="addenda",
    )
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    pdf = models.FileField(
        _("PDF with the addenda"), upload_to=pdf_path, max_length=300, blank=True
    )

    objects = AddendumQuerySet.as_manager()

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["report", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ReportImmutable("Addenda are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ReportImmutable("Addenda are append-only.")
