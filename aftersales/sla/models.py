"""Service-level policies, their targets, escalation ladders, and the clocks of each case.

A case's clocks count working time on a business calendar from the moment the case was reported
(follow-up: from its resolution), pause while the case waits for the customer, and end met or
breached. Each clock keeps its own history (``SlaClockEvent``). ``next_event_at`` is the next
instant at which a warning, breach or escalation is due; the sweep reads only clocks whose
``next_event_at`` has passed, through a partial index.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.cases.choices import CaseSeverity, CaseType
from aftersales.core.models import TimeStampedModel
from aftersales.customers.models import code_validator
from aftersales.sla.choices import (
    ClockEventKind,
    ClockState,
    PolicyServiceLevel,
    SlaTargetKind,
    WarrantyCondition,
)


def _default_recipients() -> list[str]:
    return ["regional_supervisor"]


class SlaPolicy(TimeStampedModel):
    """Which targets a case gets, chosen by contract service level, warranty, type and severity.

    Empty criteria match anything. The most specific matching active policy wins (then the lower
    ``order``); when none matches, the default policy applies.
    """

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    service_level = models.CharField(
        _("contract service level"), max_length=8, choices=PolicyServiceLevel.choices, blank=True
    )
    warranty = models.CharField(
        _("warranty"), max_length=20, choices=WarrantyCondition.choices, blank=True
    )
    case_type = models.CharField(
        _("case type"), max_length=20, choices=CaseType.choices, blank=True
    )
    severity = models.CharField(
        _("severity"), max_length=3, choices=CaseSeverity.choices, blank=True
    )
    is_default = models.BooleanField(_("default policy"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sla_policy_one_default",
                violation_error_message=_("There can be only one default policy."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SlaTarget(models.Model):
    """One promise of a policy: a target, its duration and the calendar it is counted on.

    A target with a severity overrides the policy's target without one for cases of that severity.
    """

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="targets"
    )
    target = models.CharField(_("target"), max_length=12, choices=SlaTargetKind.choices)
    severity = models.CharField(
        _("severity"), max_length=3, choices=CaseSeverity.choices, blank=True
    )
    minutes = models.PositiveIntegerField(
        _("duration (working minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(525600)],
    )
    calendar = models.ForeignKey(
        "calendars.BusinessCalendar",
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="sla_targets",
    )
    warning_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("warning at (% of the duration)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    class Meta:
        verbose_name = _("service-level target")
        verbose_name_plural = _("service-level targets")
        ordering = ["policy", "target", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "target", "severity"], name="sla_target_unique_per_policy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.target} {self.severity or '*'} {self.minutes} min"


class EscalationRule(models.Model):
    """One rung of a severity's escalation ladder for a target.

    The rung fires once the clock has run ``after_minutes`` working minutes past its due time
    (0: at the breach), counted on the clock's calendar, unless the target was met first.
    """

    severity = models.CharField(_("severity"), max_length=3, choices=CaseSeverity.choices)
    target = models.CharField(
        _("target"), max_length=12, choices=SlaTargetKind.choices, default=SlaTargetKind.CONFIRM
    )
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1)])
    after_minutes = models.PositiveIntegerField(_("working minutes past the due time"), default=0)
    recipients = models.JSONField(
        _("recipients"),
        default=_default_recipients,
        help_text=_("Any of: assignee, team_lead, regional_supervisor, service_director."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["severity", "target", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "target", "level"], name="sla_escalation_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.target} L{self.level} +{self.after_minutes} min"


class SlaPause(models.Model):
    """A period in which a case's clocks stood still (waiting for the customer, or resolved
    before a reopening). ``ended_at`` is empty while the pause lasts."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_pauses"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    status = models.CharField(_("case status"), max_length=20)

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["case", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="sla_pause_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class SlaClock(models.Model):
    """One target's clock on one case."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_clocks"
    )
    target = models.CharField(_("target"), max_length=12, choices=SlaTargetKind.choices)
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    calendar = models.ForeignKey(
        "calendars.BusinessCalendar",
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    duration_seconds = models.PositiveIntegerField(_("duration (working seconds)"))
    warning_percent = models.PositiveSmallIntegerField(_("warning at (%)"), default=75)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    next_event_at = models.DateTimeField(_("next event at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    is_paused = models.BooleanField(_("paused"), default=False)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(
        _("working time used (seconds)"),
        null=True,
        blank=True,
        help_text=_("Recorded when the clock ends."),
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level reached"), default=0)

    class Meta:
        verbose_name = _("service-level clock")
        verbose_name_plural = _("service-level clocks")
        ordering = ["case", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "target"],
                condition=~models.Q(state=ClockState.CANCELLED),
                name="sla_clock_one_live_per_target",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_event_at"],
                condition=models.Q(next_event_at__isnull=False),
                name="sla_clock_next_event_idx",
            ),
            models.Index(fields=["state", "due_at"], name="sla_clock_state_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.target} {self.state}"

    @property
    def is_finished(self) -> bool:
        return self.met_at is not None or self.cancelled_at is not None


class SlaClockEvent(models.Model):
    """One entry of a clock's history: start, pause, resume, recompute, warning, breach, met."""

    clock = models.ForeignKey(
        SlaClock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ClockEventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(_("case status"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Clock events are append-only.")
        super().save(*args, **kwargs)


class Escalation(models.Model):
    """An escalation of a case: automatic (a ladder rung of a clock) or manual (by a person)."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="escalations"
    )
    clock = models.ForeignKey(
        SlaClock,
        verbose_name=_("clock"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: escalated automatically."),
    )
    at = models.DateTimeField(_("at"))
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["case", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "level"],
                condition=models.Q(clock__isnull=False),
                name="sla_escalation_once_per_rung",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} L{self.level}"


class SlaConfigState(models.Model):
    """One row whose ``revision`` changes with every change to policies, targets or ladders.

    Each process caches the SLA configuration and checks this token (with the calendars'
    revisions, in one query) before using it.
    """

    revision = models.UUIDField(_("revision"), default=uuid.uuid4)

    class Meta:
        verbose_name = _("service-level configuration state")
        verbose_name_plural = _("service-level configuration state")

    def __str__(self) -> str:
        return str(self.revision)
