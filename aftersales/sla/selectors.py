"""Reads of service-level data: a case's clocks with time left, its policy and why, history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import translation

from aftersales.calendars.engine import working_time_between
from aftersales.calendars.selectors import calendar_spec
from aftersales.core import clock as core_clock
from aftersales.sla.models import Escalation, EscalationRule, SlaClock, SlaClockEvent, SlaPolicy
from aftersales.sla.services import explain


def live_clocks_prefetch(prefix: str = "") -> Prefetch:
    """Return the prefetch that loads a case's live clocks with their calendars (one query)."""
    return Prefetch(
        f"{prefix}sla_clocks",
        queryset=SlaClock.objects.filter(cancelled_at__isnull=True)
        .select_related("calendar", "policy")
        .order_by("started_at", "id"),
        to_attr="live_sla_clocks",
    )


def clock_remaining_seconds(clock: SlaClock, *, now: datetime | None = None) -> int | None:
    """Return the working seconds left before the due time (negative: overdue), or None when
    the clock has ended. A paused clock's time left stands still."""
    if clock.met_at is not None or clock.cancelled_at is not None or clock.due_at is None:
        return None
    if clock.is_paused:
        return clock.duration_seconds - (clock.elapsed_seconds or 0)
    now = now or core_clock.now()
    spec = calendar_spec(clock.calendar)
    if now <= clock.due_at:
        return working_time_between(spec, now, clock.due_at)
    return -working_time_between(spec, clock.due_at, now)


def case_sla_summary(case: Any) -> dict[str, Any] | None:
    """Return the policy a case got and the reason, in the active language."""
    policy = case.sla_policy
    if policy is None:
        return None
    # Set when the case was just planned: the same language, policy and facts (the same dict).
    explained = getattr(case, "_sla_explained", None)
    if (
        explained is not None
        and explained[:2] == (translation.get_language(), policy.pk)
        and explained[2] is case.sla_facts
    ):
        explanation = explained[3]
    else:
        explanation = explain(case.sla_facts, policy.name)
    return {
        "code": policy.code,
        "name": policy.name,
        "explanation": explanation,
        "facts": case.sla_facts,
    }


def case_clocks_with_history(case: Any) -> QuerySet[SlaClock]:
    """Return every clock of ``case`` (cancelled ones too) with its history prefetched."""
    return (
        SlaClock.objects.filter(case=case)
        .select_related("calendar", "policy")
        .prefetch_related(
            Prefetch("events", queryset=SlaClockEvent.objects.select_related("actor"))
        )
        .order_by("started_at", "id")
    )


def case_escalations(case: Any) -> QuerySet[Escalation]:
    """Return the escalations of ``case``, oldest first."""
    return (
        Escalation.objects.filter(case=case).select_related("actor", "clock").order_by("at", "id")
    )


def policy_list() -> QuerySet[SlaPolicy]:
    """Return the policies with their targets and calendars."""
    return SlaPolicy.objects.prefetch_related("targets__calendar")


def escalation_rule_list() -> QuerySet[EscalationRule]:
    """Return the escalation ladders, by severity, target and level."""
    return EscalationRule.objects.all()


def timeline_text(kind: str, data: dict[str, Any], note: str) -> str:
    """Return the text of a system timeline entry about service levels, in the active language.

    Entries keep their facts in ``data`` and are rendered for each reader; ``note`` (written in
    the language active when the entry was made) is the fallback for older entries.
    """
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime
    from django.utils.translation import gettext as _

    from aftersales.sla.choices import SlaTargetKind

    target = data.get("target")
    label = str(SlaTargetKind(target).label) if target in SlaTargetKind.values else ""
    due = parse_datetime(data["due_at"]) if data.get("due_at") else None
    due_text = timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ""
    if kind == "sla" and data.get("event") == "breached" and label:
        return _("Target missed: %(target)s was due at %(due)s") % {
            "target": label,
            "due": due_text,
        }
    if kind == "sla" and data.get("event") == "warning" and label and "percent" in data:
        return _("%(target)s due at %(due)s (%(percent)d%% of the time used)") % {
            "target": label,
            "due": due_text,
            "percent": data["percent"],
        }
    if kind == "sla" and "facts" in data and "policy_name" in data:
        return explain(data["facts"], data["policy_name"])
    if kind == "escalated" and not data.get("manual") and label and "after_minutes" in data:
        return _("%(target)s not met %(minutes)d working minutes after its due time") % {
            "target": label,
            "minutes": data["after_minutes"],
        }
    return note
