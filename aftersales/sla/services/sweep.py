"""The minute sweep: fire every warning, breach and escalation that has come due, exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.calendars.selectors import calendar_spec
from aftersales.cases.choices import CaseSlaState
from aftersales.core import clock as core_clock
from aftersales.notifications.models import NotificationKind
from aftersales.notifications.services import (
    event_build,
    events_save,
    notifications_build,
    notifications_save,
)
from aftersales.sla import clockmath
from aftersales.sla.choices import (
    ClockEventKind,
    EscalationRecipient,
)
from aftersales.sla.config_cache import sla_config
from aftersales.sla.models import (
    Escalation,
    SlaClock,
    SlaClockEvent,
    SlaPause,
)
from aftersales.sla.services.clocks import _clock_event, _refresh
from aftersales.sla.services.escalation import (
    _TARGET_LABELS,
    _fallback_recipients,
    escalation_recipients,
    service_directors,
)

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    notifications: int = 0
    cases: set[int] = field(default_factory=set)


def sla_sweep(*, now: datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """Fire every warning, breach and escalation that has come due; return what was done.

    Reads only clocks whose ``next_event_at`` has passed (an indexed column), so its cost grows
    with the number of due clocks, not with the number of open cases. Each batch runs in one
    transaction that locks its clocks (skipping ones another sweeper holds) and re-checks them,
    so every event is recorded exactly once.
    """
    now = now or core_clock.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH
    result = SweepResult()
    while True:
        done = _sweep_batch(now=now, batch_size=batch_size, result=result)
        if done < batch_size:
            return result


def _local_minute(instant: datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


def _timeline_entry(clock: SlaClock, event: str, now: datetime, note: str) -> Any:
    """Return an (unsaved) internal case-timeline entry about a clock's warning or breach."""
    CaseEvent = apps.get_model("cases", "CaseEvent")  # noqa: N806 - a model class
    return CaseEvent(
        case=clock.case,
        kind="sla",
        at=now,
        is_public=False,
        note=note,
        data={
            "target": clock.target,
            "event": event,
            "due_at": clock.due_at.isoformat(),
            "percent": clock.warning_percent,
        },
    )


@transaction.atomic
def _sweep_batch(*, now: datetime, batch_size: int, result: SweepResult) -> int:
    clocks = list(
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "calendar",
            "case",
            "case__assignee",
            "case__team__lead",
            "case__customer__region__supervisor",
            "case__site__region__supervisor",
        )
        .filter(next_event_at__lte=now)
        .order_by("next_event_at")[:batch_size]
    )
    if not clocks:
        return 0
    case_ids = {c.case_id for c in clocks}
    pauses: dict[int, list[clockmath.Pause]] = {}
    for case_id, started, ended in (
        SlaPause.objects.filter(case_id__in=case_ids)
        .order_by("started_at")
        .values_list("case_id", "started_at", "ended_at")
    ):
        pauses.setdefault(case_id, []).append((started, ended))
    config = sla_config()
    directors: list[Any] | None = None
    escalations: list[tuple[Escalation, list[Any], Any]] = []
    events: list[SlaClockEvent] = []
    breached_cases: set[int] = set()
    warned_cases: set[int] = set()
    notices = []
    outbox = []  # the same moments as notification events (webhooks, the on-call person)
    CaseEvent = apps.get_model("cases", "CaseEvent")  # noqa: N806 - a model class
    case_events = []
    for clock in clocks:
        result.clocks += 1
        case = clock.case
        case_pauses = pauses.get(case.pk, [])
        rules = config.rules(case.severity, clock.target)
        spec = calendar_spec(clock.calendar)
        used = clockmath.consumed(spec, clock.started_at, case_pauses, now)
        d = clock.duration_seconds
        label = _TARGET_LABELS.get(clock.target, clock.target)
        if clock.breached_at is None and used >= d:
            clock.breached_at = clock.due_at
            breached_cases.add(case.pk)
            result.breaches += 1
            result.cases.add(case.pk)
            events.append(_clock_event(clock, ClockEventKind.BREACHED, at=now))
            case_events.append(
                _timeline_entry(
                    clock,
                    "breached",
                    now,
                    _("Target missed: %(target)s was due at %(due)s")
                    % {"target": label, "due": _local_minute(clock.due_at)},
                )
            )
            people = escalation_recipients(
                case, [EscalationRecipient.ASSIGNEE, EscalationRecipient.REGIONAL_SUPERVISOR]
            )
            notices += notifications_build(
                recipients=people or _fallback_recipients(case),
                kind=NotificationKind.SLA_BREACH,
                case=case,
                at=now,
                dedupe_key=f"breach:{clock.pk}:{clock.breached_at.isoformat()}",
                data={"target": clock.target},
                render=lambda case=case, label=label: (
                    _("Case %(number)s missed its %(target)s target")
                    % {"number": case.number, "target": label},
                    case.summary,
                ),
            )
            outbox.append(
                event_build(
                    kind=NotificationKind.SLA_BREACH,
                    case=case,
                    at=now,
                    dedupe_key=f"breach:{clock.pk}:{clock.breached_at.isoformat()}",
                    data={"target": clock.target, "due_at": clock.due_at.isoformat()},
                )
            )
        elif (
            clock.warned_at is None
            and clock.breached_at is None
            and used >= d * clock.warning_percent // 100
        ):
            clock.warned_at = now
            warned_cases.add(case.pk)
            result.warnings += 1
            result.cases.add(case.pk)
            events.append(_clock_event(clock, ClockEventKind.WARNING, at=now))
            case_events.append(
                _timeline_entry(
                    clock,
                    "warning",
                    now,
                    _("%(target)s due at %(due)s (%(percent)d%% of the time used)")
                    % {
                        "target": label,
                        "due": _local_minute(clock.due_at),
                        "percent": clock.warning_percent,
                    },
                )
            )
            notices += notifications_build(
                recipients=_fallback_recipients(case),
                kind=NotificationKind.SLA_WARNING,
                case=case,
                at=now,
                dedupe_key=f"warning:{clock.pk}:{clock.due_at.isoformat()}",
                data={"target": clock.target},
                render=lambda case=case, label=label, clock=clock: (
                    _("Case %(number)s: %(target)s due at %(due)s")
                    % {
                        "number": case.number,
                        "target": label,
                        "due": _local_minute(clock.due_at),
                    },
                    case.summary,
                ),
            )
            outbox.append(
                event_build(
                    kind=NotificationKind.SLA_WARNING,
                    case=case,
                    at=now,
                    dedupe_key=f"warning:{clock.pk}:{clock.due_at.isoformat()}",
                    data={"target": clock.target, "due_at": clock.due_at.isoformat()},
                )
            )
        for rule in rules:
            if rule.level <= clock.escalation_level or used < d + rule.after_minutes * 60:
                continue
            if directors is None and EscalationRecipient.SERVICE_DIRECTOR in rule.recipients:
                directors = service_directors()
            people = escalation_recipients(case, rule.recipients, directors=directors or [])
            escalation = Escalation(
                case=case,
                clock=clock,
                level=rule.level,
                at=now,
                reason=_("%(target)s not met %(minutes)d working minutes after its due time")
                % {"target": label, "minutes": rule.after_minutes},
                recipients=[p.username for p in people],
            )
            escalations.append((escalation, people, label))
            clock.escalation_level = rule.level
            result.escalations += 1
            result.cases.add(case.pk)
            events.append(
                _clock_event(clock, ClockEventKind.ESCALATED, at=now, data={"level": rule.level})
            )
            case_events.append(
                CaseEvent(
                    case=case,
                    kind="escalated",
                    at=now,
                    is_public=False,
                    note=escalation.reason,
                    data={
                        "level": rule.level,
                        "target": clock.target,
                        "after_minutes": rule.after_minutes,
                        "recipients": escalation.recipients,
                    },
                )
            )
        _refresh(clock, pauses=case_pauses, rules=rules, now=now)
        if clock.next_event_at is not None and clock.next_event_at <= now:
            # Should not happen (the thresholds above match the projections); never let one clock
            # spin the sweep: look again in a minute.
            logger.warning("clock %s still due after the sweep; retrying in a minute", clock.pk)
            clock.next_event_at = now + timedelta(minutes=1)
    _write_swept(clocks)
    _mark_cases(clocks, breached=breached_cases, warned=warned_cases)
    Escalation.objects.bulk_create([e for e, _people, _label in escalations])
    for escalation, people, label in escalations:  # their ids make the notices' dedupe keys
        notices += notifications_build(
            recipients=people,
            kind=NotificationKind.ESCALATION,
            case=escalation.case,
            at=now,
            dedupe_key=f"escalation:{escalation.pk}",
            data={"level": escalation.level, "target": escalation.clock.target},
            render=lambda e=escalation, label=label: (
                _("Case %(number)s escalated to level %(level)d: %(target)s overdue")
                % {"number": e.case.number, "level": e.level, "target": label},
                e.case.summary,
            ),
        )
        outbox.append(
            event_build(
                kind=NotificationKind.ESCALATION,
                case=escalation.case,
                at=now,
                dedupe_key=f"escalation:{escalation.pk}",
                data={"level": escalation.level, "target": escalation.clock.target},
            )
        )
    SlaClockEvent.objects.bulk_create(events)
    CaseEvent.objects.bulk_create(case_events)
    result.notifications += notifications_save(notices)
    events_save(outbox)
    return len(clocks)


# The columns a sweep may change on a clock.
_SWEPT_FIELDS = (
    "due_at",
    "warn_at",
    "next_event_at",
    "state",
    "warned_at",
    "breached_at",
    "escalation_level",
)


def _write_swept(clocks: list[SlaClock]) -> None:
    """Save what the sweep changed on ``clocks`` in one statement.

    PostgreSQL gets a single ``UPDATE ... FROM (VALUES ...)``; ``bulk_update``'s CASE WHEN per
    row and column grows faster than the batch and was most of the sweep's time.
    """
    if connection.vendor != "postgresql":
        SlaClock.objects.bulk_update(clocks, list(_SWEPT_FIELDS))
        return
    types = (
        "timestamptz",
        "timestamptz",
        "timestamptz",
        "varchar",
        "timestamptz",
        "timestamptz",
        "smallint",
    )
    row = "(%s::bigint, " + ", ".join(f"%s::{t}" for t in types) + ")"
    params: list[Any] = []
    for clock in clocks:
        params.append(clock.pk)
        params.extend(getattr(clock, f) for f in _SWEPT_FIELDS)
    assignments = ", ".join(f"{f} = v.{f}" for f in _SWEPT_FIELDS)
    sql = (
        f"UPDATE {SlaClock._meta.db_table} AS c SET {assignments} "  # noqa: S608 - fixed names
        f"FROM (VALUES {', '.join([row] * len(clocks))}) AS v(id, {', '.join(_SWEPT_FIELDS)}) "
        "WHERE c.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _mark_cases(clocks: list[SlaClock], *, breached: set[int], warned: set[int]) -> None:
    """Turn the swept cases red (a breach) or amber (a warning) for lists and dashboards."""
    Case = apps.get_model("cases", "Case")  # noqa: N806 - a model class
    if breached:
        Case.objects.filter(pk__in=breached).update(sla_state=CaseSlaState.BREACHED)
    amber = warned - breached
    if amber:
        Case.objects.filter(pk__in=amber, sla_state=CaseSlaState.RUNNING).update(
            sla_state=CaseSlaState.WARNING
        )
