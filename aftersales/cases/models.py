"""Cases (工单), their append-only timeline, comments and the idempotency ledger."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.cases.choices import (
    CaseChannel,
    CaseEventKind,
    CaseSeverity,
    CaseSlaState,
    CaseStatus,
    CaseType,
)
from aftersales.cases.transitions import OPEN
from aftersales.core.models import TimeStampedModel


class Case(TimeStampedModel):
    """A service request from any channel, worked from registration to closure.

    ``status`` is written only by ``cases.services.case_transition``; ``version`` increases with
    every change so that a save from a stale copy is refused (optimistic concurrency).
    """

    number = models.CharField(_("number"), max_length=32, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.NEW,
        editable=False,
    )
    case_type = models.CharField(_("type"), max_length=20, choices=CaseType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=CaseChannel.choices)
    severity = models.CharField(_("severity"), max_length=3, choices=CaseSeverity.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    site = models.ForeignKey(
        "customers.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    asset = models.ForeignKey(
        "catalog.Asset",
        verbose_name=_("asset"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    contract = models.ForeignKey(
        "catalog.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="created_cases",
        db_index=False,
    )
    cause = models.TextField(
        _("fault cause"),
        blank=True,
        help_text=_("Recording the confirmed cause meets the confirm target."),
    )
    cause_confirmed_at = models.DateTimeField(_("cause confirmed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("engineer arrived at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("service-level policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        related_name="cases",
    )
    sla_due_at = models.DateTimeField(
        _("next due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The earliest due time of the running service-level clocks."),
    )
    sla_state = models.CharField(
        _("service-level state"),
        max_length=10,
        choices=CaseSlaState.choices,
        default=CaseSlaState.NONE,
        editable=False,
    )
    search_grams = models.TextField(
        _("search index"),
        blank=True,
        editable=False,
        help_text=_("Character bigrams of the searchable text (kept by the case services)."),
    )
    sla_facts = models.JSONField(
        _("service-level facts"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("What the policy was chosen on: contract, warranty, type, severity."),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-id"]
        # Every index costs each case insert; the foreign keys that lists filter by are covered
        # by these composites, the rest (site, contract, creator) are not worth one.
        indexes = [
            models.Index(fields=["status", "-id"], name="cases_case_status_idx"),
            models.Index(fields=["customer", "-id"], name="cases_case_customer_idx"),
            models.Index(fields=["assignee", "status"], name="cases_case_assignee_idx"),
            models.Index(fields=["team", "status"], name="cases_case_team_idx"),
            models.Index(fields=["reported_at"], name="cases_case_reported_idx"),
            # Both of these hold open cases only: the part of the table people work on, whose
            # size does not grow with the years of history behind it. A query whose status
            # filter lies within OPEN uses them (PostgreSQL proves the predicate).
            # The dashboard's open-case counts are one index-only scan of this one.
            models.Index(
                fields=["status", "severity"],
                name="cases_case_status_sev_idx",
                condition=models.Q(status__in=sorted(OPEN)),
            ),
            # Queues sort by the nearest due time (nulls last: nothing running); a keyset page
            # is a short ordered range of this one.
            models.Index(
                fields=["sla_due_at", "id"],
                name="cases_case_sla_due_idx",
                condition=models.Q(status__in=sorted(OPEN)),
            ),
        ]
        constraints = [
            # A constraint, not unique=True: PostgreSQL then gets no extra LIKE index.
            models.UniqueConstraint(fields=["number"], name="cases_case_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"


class Comment(models.Model):
    """A reply to the customer (public) or an internal note on a case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_comments",
    )
    body = models.TextField(_("text"))
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class CaseEvent(models.Model):
    """One entry of a case's append-only timeline: who did what, when.

    Rows are written once by services and never changed or deleted (``save`` and ``delete``
    refuse), so the timeline is the audit trail of the case.
    """

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # the (case, at, id) index serves every look-up
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CaseEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the system."),
        db_index=False,
    )
    at = models.DateTimeField(_("at"))
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    note = models.TextField(_("note"), blank=True)
    comment = models.ForeignKey(
        Comment,
        verbose_name=_("comment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="cases_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Case events are append-only.")


def attachment_path(instance: Attachment, filename: str) -> str:
    """Store each file under its case, in a folder of its own (names never collide or leak)."""
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}/{filename[-120:]}"


class Attachment(models.Model):
    """A file on a case: a scan of a fax or letter, a photo, a log. Served only to those who may
    see the case (customers: public files of their own organisation's cases)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        Comment,
        verbose_name=_("comment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
        db_index=False,
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class CaseNumberSequence(models.Model):
    """The last case number handed out per year; incremented under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IdempotencyRecord(models.Model):
    """A create request's ``Idempotency-Key``: a retry with the same key returns the same case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="cases_idempotency_unique_user_key"
            )
        ]

    def __str__(self) -> str:
        return self.key
