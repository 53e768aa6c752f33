"""Complaints: one per case of type ``complaint``, with the investigation, the outcome, the answer
to the customer and any compensation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.complaints.choices import (
    CompensationKind,
    CompensationState,
    ComplaintOutcome,
    ComplaintSubject,
)


class Complaint(models.Model):
    """A customer's complaint about a product, the service or a person.

    ``person`` and ``outcome`` with ``complained_at`` and ``concluded_at`` are what a person's
    assessment counts (``selectors.complaints_against``). Compensation needs an upheld complaint
    (the company at fault) and a supervisor's approval. Written only by ``complaints.services``.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="complaint"
    )
    subject_kind = models.CharField(
        _("complaint about"), max_length=10, choices=ComplaintSubject.choices
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person complained about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_against",
    )
    complained_at = models.DateTimeField(_("complained at"))
    investigation_notes = models.TextField(_("investigation notes (internal)"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=ComplaintOutcome.choices,
        default=ComplaintOutcome.PENDING,
        editable=False,
    )
    is_company_at_fault = models.BooleanField(_("company at fault"), null=True, editable=False)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("concluded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    answer = models.TextField(_("answer to the customer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    compensation_state = models.CharField(
        _("compensation"),
        max_length=10,
        choices=CompensationState.choices,
        default=CompensationState.NONE,
        editable=False,
    )
    compensation_kind = models.CharField(
        _("compensation kind"), max_length=12, choices=CompensationKind.choices, blank=True
    )
    compensation_amount = models.DecimalField(
        _("compensation amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    compensation_note = models.TextField(_("compensation note"), blank=True)
    compensation_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compensation requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    compensation_requested_at = models.DateTimeField(
        _("compensation requested at"), null=True, blank=True
    )
    compensation_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compensation approved or refused by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    compensation_decided_at = models.DateTimeField(
        _("compensation approved or refused at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["person", "complained_at"], name="complaints_person_at_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compensation_amount__isnull=True)
                | models.Q(compensation_amount__gte=0),
                name="complaints_complaint_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(compensation_state="none") | models.Q(is_company_at_fault=True),
                name="complaints_complaint_compensation_needs_fault",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.subject_kind}"
