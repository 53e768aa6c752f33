"""A case's clocks through its life: plan and start, meet, pause and resume, resolve and reopen,
recompute. ``cases.services`` calls the ``sla_*`` hooks inside its own transactions.

Timeline entries go to ``cases.CaseEvent`` through the app registry: cases depend on sla, so sla
reaches back by name rather than by import.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.calendars.selectors import calendar_spec
from aftersales.cases.choices import CaseSlaState
from aftersales.core import clock as core_clock
from aftersales.core.instances import build
from aftersales.sla import clockmath
from aftersales.sla.choices import (
    STARTS_ON_EVENT,
    STARTS_ON_RESOLUTION,
    ClockEventKind,
    ClockState,
)
from aftersales.sla.config_cache import SlaConfig, sla_config
from aftersales.sla.models import (
    EscalationRule,
    SlaClock,
    SlaClockEvent,
    SlaPause,
    SlaPolicy,
    SlaTarget,
)
from aftersales.sla.services.policies import (
    TARGET_ORDER,
    Decision,
    T,
    explain,
    pausing_statuses,
    policy_decide,
    targets_for,
)

logger = logging.getLogger(__name__)


def _case_event(
    case: Any, kind: str, *, by: Any = None, at: datetime, is_public: bool = False, **fields: Any
) -> None:
    CaseEvent = apps.get_model("cases", "CaseEvent")  # noqa: N806 - a model class
    CaseEvent.objects.create(case=case, kind=kind, actor=by, at=at, is_public=is_public, **fields)


def _clock_event(
    clock: SlaClock, kind: str, *, at: datetime, by: Any = None, **fields: Any
) -> SlaClockEvent:
    return build(
        SlaClockEvent, clock=clock, kind=kind, at=at, actor=by, due_at=clock.due_at, **fields
    )


def _pauses(case: Any) -> list[clockmath.Pause]:
    return list(
        SlaPause.objects.filter(case=case)
        .order_by("started_at")
        .values_list("started_at", "ended_at")
    )


def _rules(severity: str, target: str) -> list[EscalationRule]:
    return sla_config().rules(severity, target)


def _state(clock: SlaClock) -> str:
    if clock.cancelled_at is not None:
        return ClockState.CANCELLED
    if clock.breached_at is not None:
        return ClockState.BREACHED
    if clock.met_at is not None:
        return ClockState.MET
    if clock.is_paused:
        return ClockState.PAUSED
    return ClockState.RUNNING


def _refresh(
    clock: SlaClock,
    *,
    pauses: Sequence[clockmath.Pause],
    rules: Sequence[EscalationRule],
    now: datetime,
) -> None:
    """Recompute the clock's due time, warning time, next event and state (no save)."""
    spec = calendar_spec(clock.calendar)
    d = clock.duration_seconds
    clock.due_at = clockmath.instant_when(spec, clock.started_at, pauses, d, now=now)
    clock.warn_at = clockmath.instant_when(
        spec, clock.started_at, pauses, d * clock.warning_percent // 100, now=now
    )
    pending: list[datetime] = []
    if not clock.is_finished and not clock.is_paused:
        if clock.warned_at is None and clock.breached_at is None:
            pending.append(clock.warn_at)
        if clock.breached_at is None:
            pending.append(clock.due_at)
        for rule in rules:
            if rule.level > clock.escalation_level:
                pending.append(
                    clockmath.instant_when(
                        spec, clock.started_at, pauses, d + rule.after_minutes * 60, now=now
                    )
                )
                break
    clock.next_event_at = min(pending) if pending else None
    clock.state = _state(clock)


_CLOCK_FIELDS = [
    "policy",
    "calendar",
    "duration_seconds",
    "warning_percent",
    "due_at",
    "warn_at",
    "next_event_at",
    "state",
    "is_paused",
    "warned_at",
    "breached_at",
    "met_at",
    "cancelled_at",
    "elapsed_seconds",
    "escalation_level",
]


def _save(clock: SlaClock) -> None:
    clock.save(update_fields=_CLOCK_FIELDS)


def _start_clock(
    *,
    case: Any,
    target: SlaTarget,
    policy: SlaPolicy,
    start: datetime,
    now: datetime,
    by: Any,
    reason: str = "",
) -> SlaClock:
    clock = SlaClock(
        case=case,
        target=target.target,
        policy=policy,
        calendar=target.calendar,
        duration_seconds=target.minutes * 60,
        warning_percent=target.warning_percent,
        started_at=start,
        is_paused=case.status in pausing_statuses(),
    )
    pauses = _pauses(case)
    _refresh(clock, pauses=pauses, rules=_rules(case.severity, clock.target), now=now)
    clock.save(force_insert=True)
    SlaClockEvent.objects.bulk_create(
        [_clock_event(clock, ClockEventKind.STARTED, at=now, by=by, reason=reason)]
    )
    return clock


def _live_clocks(case: Any) -> dict[str, SlaClock]:
    return {
        c.target: c
        for c in SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(case=case)
        .exclude(state=ClockState.CANCELLED)
    }


def summarize(clocks: Iterable[SlaClock]) -> tuple[datetime | None, str]:
    """Return a case's nearest due time and service-level state from its clocks.

    Only unfinished clocks count. State precedence: breached, paused (every running clock is
    paused), warning, running; ``none`` when nothing runs. Paused clocks have no due time.
    """
    live = [c for c in clocks if c.met_at is None and c.cancelled_at is None]
    if not live:
        return None, CaseSlaState.NONE
    running = [c for c in live if not c.is_paused]
    due = min((c.due_at for c in running if c.due_at is not None), default=None)
    if any(c.breached_at is not None for c in live):
        return due, CaseSlaState.BREACHED
    if not running:
        return None, CaseSlaState.PAUSED
    if any(c.warned_at is not None for c in running):
        return due, CaseSlaState.WARNING
    return due, CaseSlaState.RUNNING


def _sync_case(case: Any) -> None:
    """Store the case's nearest due time and state (lists sort and colour by them)."""
    clocks = SlaClock.objects.filter(case=case, cancelled_at__isnull=True, met_at__isnull=True)
    due, state = summarize(clocks)
    if (case.sla_due_at, case.sla_state) != (due, state):
        Case = apps.get_model("cases", "Case")  # noqa: N806 - a model class
        Case.objects.filter(pk=case.pk).update(sla_due_at=due, sla_state=state)
        case.sla_due_at, case.sla_state = due, state


def _plan_clocks(case: Any, decision: Decision, config: SlaConfig, now: datetime) -> list[SlaClock]:
    paused = case.status in pausing_statuses()
    clocks = []
    for kind, target in sorted(
        targets_for(decision.policy, case.severity, config=config).items(),
        key=lambda kv: TARGET_ORDER[kv[0]],
    ):
        if kind in STARTS_ON_RESOLUTION or kind in STARTS_ON_EVENT:
            continue
        clock = build(
            SlaClock,
            case=case,
            target=kind,
            policy=decision.policy,
            calendar=target.calendar,
            duration_seconds=target.minutes * 60,
            warning_percent=target.warning_percent,
            started_at=case.reported_at,
            is_paused=paused,
        )
        _refresh(clock, pauses=(), rules=config.rules(case.severity, kind), now=now)
        clocks.append(clock)
    return clocks


def sla_plan(
    *, case: Any, now: datetime | None = None, config: SlaConfig | None = None
) -> Decision:
    """Choose the policy of a case that is about to be saved, and plan its clocks.

    Called before the case's insert, so that the policy, its facts, the nearest due time and the
    state go in the same row; ``sla_start_rows`` then builds the planned clocks. ``config`` is the
    current configuration when the caller has already checked it (``sla_config_from``).
    """
    now = now or core_clock.now()
    config = config or sla_config()
    decision = policy_decide(case=case, config=config)
    case.sla_policy = decision.policy
    case.sla_facts = decision.facts
    case._sla_planned = _plan_clocks(case, decision, config, now)
    case.sla_due_at, case.sla_state = summarize(case._sla_planned)
    return decision


def sla_start_rows(
    *, case: Any, by: Any, now: datetime, timeline: list[Any]
) -> tuple[list[SlaClock], list[SlaClockEvent]]:
    """Return the unsaved clocks of a new case (as ``sla_plan`` planned them) and their
    "started" events, and append the case's timeline entry ("policy X, because ...") to
    ``timeline``; the caller inserts them all (``case_create`` does, in one round trip where
    the database allows). Built for the hot path of case creation: no query.
    """
    clocks = case._sla_planned
    decision = Decision(policy=case.sla_policy, facts=case.sla_facts)
    clock_events = [_clock_event(clock, ClockEventKind.STARTED, at=now, by=by) for clock in clocks]
    CaseEvent = apps.get_model("cases", "CaseEvent")  # noqa: N806 - a model class
    note = explain(decision.facts, decision.policy.name)
    # The answer to the request that creates the case shows the same explanation.
    case._sla_explained = (translation.get_language(), decision.policy.pk, decision.facts, note)
    timeline.append(
        build(
            CaseEvent,
            case=case,
            kind="sla",
            actor=by,
            at=now,
            is_public=False,
            note=note,
            data={
                "policy": decision.policy.code,
                "policy_name": decision.policy.name,
                "facts": decision.facts,
                "targets": [c.target for c in clocks],
            },
        )
    )
    case.live_sla_clocks = clocks
    del case._sla_planned
    return clocks, clock_events


def _meet(
    clock: SlaClock, *, at: datetime, by: Any, pauses: Sequence[clockmath.Pause], reason: str = ""
) -> bool:
    """Mark ``clock`` met at ``at``; a clock that used more than its budget is also breached."""
    if clock.is_finished:
        return False
    spec = calendar_spec(clock.calendar)
    used = clockmath.consumed(spec, clock.started_at, pauses, at)
    clock.met_at = at
    clock.elapsed_seconds = used
    clock.is_paused = False
    if used > clock.duration_seconds and clock.breached_at is None:
        clock.breached_at = clock.due_at
    _refresh(clock, pauses=pauses, rules=(), now=at)
    _save(clock)
    SlaClockEvent.objects.bulk_create(
        [
            _clock_event(
                clock,
                ClockEventKind.MET,
                at=at,
                by=by,
                reason=reason,
                data={"elapsed_seconds": used},
            )
        ]
    )
    return True


def _cancel(clock: SlaClock, *, at: datetime, by: Any, reason: str) -> None:
    clock.cancelled_at = at
    clock.next_event_at = None
    clock.state = ClockState.CANCELLED
    _save(clock)
    SlaClockEvent.objects.bulk_create(
        [_clock_event(clock, ClockEventKind.CANCELLED, at=at, by=by, reason=reason)]
    )


def _meet_targets(
    *, case: Any, targets: Iterable[str], by: Any, at: datetime | None = None, reason: str = ""
) -> list[str]:
    """Mark the case's running clocks for ``targets`` met (no summary update)."""
    at = at or core_clock.now()
    wanted = set(targets)
    clocks = [c for t, c in _live_clocks(case).items() if t in wanted and not c.is_finished]
    if not clocks:
        return []
    pauses = _pauses(case)
    return [c.target for c in clocks if _meet(c, at=at, by=by, pauses=pauses, reason=reason)]


def sla_meet(
    *, case: Any, targets: Iterable[str], by: Any, at: datetime | None = None, reason: str = ""
) -> list[str]:
    """Mark the case's running clocks for ``targets`` met; return the targets that were met."""
    met = _meet_targets(case=case, targets=targets, by=by, at=at, reason=reason)
    if met:
        _sync_case(case)
    return met


def sla_start_target(
    *, case: Any, target: str, by: Any, at: datetime | None = None, reason: str = ""
) -> SlaClock | None:
    """Start the clock for ``target`` now (a target that starts on an event, not on report).

    Returns the new clock, or ``None`` when the case's policy sets no such target or a clock for
    it already runs or ran (starting twice never restarts a promise).
    """
    at = at or core_clock.now()
    policy = case.sla_policy
    if policy is None:
        return None
    spec = targets_for(policy, case.severity).get(target)
    if spec is None or target in _live_clocks(case):
        return None
    clock = _start_clock(
        case=case, target=spec, policy=policy, start=at, now=at, by=by, reason=reason
    )
    _sync_case(case)
    return clock


def sla_on_transition(
    *, case: Any, from_status: str, to_status: str, by: Any, at: datetime, reopening: bool
) -> None:
    """Move the clocks along with a status change of ``case`` (already saved)."""
    paused_in = pausing_statuses()
    if from_status == "new":
        _meet_targets(case=case, targets=[T.RESPONSE], by=by, at=at, reason=_("case left “new”"))
    if to_status == "dispatched":
        _meet_targets(case=case, targets=[T.CONFIRM], by=by, at=at, reason=_("case dispatched"))
    if reopening:
        _reopen(case=case, by=by, at=at)
    if to_status in paused_in and from_status not in paused_in:
        _pause(case=case, by=by, at=at, status=to_status)
    elif from_status in paused_in and to_status not in paused_in:
        _resume(case=case, by=by, at=at, status=from_status)
    if to_status == "resolved":
        _resolve(case=case, by=by, at=at)
    elif to_status == "closed":
        _meet_targets(case=case, targets=[T.FOLLOW_UP], by=by, at=at, reason=_("case closed"))
    _sync_case(case)


def sla_on_public_reply(*, case: Any, by: Any, at: datetime) -> None:
    """A public reply from staff answers the customer, and after resolution is the follow-up."""
    targets = [T.RESPONSE]
    if case.status in ("resolved", "closed"):
        targets.append(T.FOLLOW_UP)
    sla_meet(case=case, targets=targets, by=by, at=at, reason=_("public reply"))


def _pause(*, case: Any, by: Any, at: datetime, status: str) -> None:
    SlaPause.objects.create(case=case, started_at=at, status=status)
    pauses = _pauses(case)
    events = []
    for clock in _live_clocks(case).values():
        if clock.is_finished:
            continue
        clock.elapsed_seconds = clockmath.consumed(
            calendar_spec(clock.calendar), clock.started_at, pauses, at
        )
        clock.is_paused = True
        _refresh(clock, pauses=pauses, rules=(), now=at)
        _save(clock)
        events.append(_clock_event(clock, ClockEventKind.PAUSED, at=at, by=by, status=status))
    SlaClockEvent.objects.bulk_create(events)


def _resume(*, case: Any, by: Any, at: datetime, status: str) -> None:
    SlaPause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at)
    pauses = _pauses(case)
    events = []
    for clock in _live_clocks(case).values():
        if clock.is_finished:
            continue
        before = clock.due_at
        clock.is_paused = False
        _refresh(clock, pauses=pauses, rules=_rules(case.severity, clock.target), now=at)
        _save(clock)
        events.append(
            _clock_event(
                clock,
                ClockEventKind.RESUMED,
                at=at,
                by=by,
                status=status,
                data={"previous_due_at": before.isoformat() if before else None},
            )
        )
    SlaClockEvent.objects.bulk_create(events)


def _resolve(*, case: Any, by: Any, at: datetime) -> None:
    """Resolution restores service, implies a response and a confirmed cause, makes a visit
    moot, and starts the follow-up clock."""
    reason = _("case resolved")
    _meet_targets(
        case=case,
        targets=[T.RESTORE, T.RESPONSE, T.CONFIRM, T.REMEDY],
        by=by,
        at=at,
        reason=reason,
    )
    live = _live_clocks(case)
    onsite = live.get(T.ONSITE)
    if onsite is not None and not onsite.is_finished:
        _cancel(onsite, at=at, by=by, reason=_("resolved without a visit"))
    policy = case.sla_policy
    if policy is None or T.FOLLOW_UP in live:
        return
    target = targets_for(policy, case.severity).get(T.FOLLOW_UP)
    if target is not None:
        _start_clock(
            case=case,
            target=target,
            policy=policy,
            start=at,
            now=at,
            by=by,
            reason=reason,
        )


def _reopen(*, case: Any, by: Any, at: datetime) -> None:
    """Reopening resumes the restore clock; the time spent resolved counts as a pause."""
    live = _live_clocks(case)
    follow_up = live.get(T.FOLLOW_UP)
    restore = live.get(T.RESTORE)
    resolved_at = (follow_up.started_at if follow_up else None) or (
        restore.met_at if restore else None
    )
    if resolved_at is not None and resolved_at < at:
        SlaPause.objects.create(case=case, started_at=resolved_at, ended_at=at, status="resolved")
    if follow_up is not None and not follow_up.is_finished:
        _cancel(follow_up, at=at, by=by, reason=_("case reopened"))
    if restore is not None and restore.met_at is not None:
        pauses = _pauses(case)
        restore.met_at = None
        restore.elapsed_seconds = None
        if (
            restore.breached_at is not None
            and clockmath.consumed(
                calendar_spec(restore.calendar), restore.started_at, pauses, resolved_at or at
            )
            <= restore.duration_seconds
        ):
            restore.breached_at = None
        _refresh(restore, pauses=pauses, rules=_rules(case.severity, restore.target), now=at)
        _save(restore)
        SlaClockEvent.objects.bulk_create(
            [_clock_event(restore, ClockEventKind.REOPENED, at=at, by=by)]
        )


def sla_recompute(*, case: Any, by: Any, reason: str, now: datetime | None = None) -> bool:
    """Re-decide the policy after a change to the case (severity, type, contract, asset) and
    bring the clocks in line: changed targets recomputed from their start, new ones started,
    ones that no longer apply cancelled. Return whether anything changed.
    """
    now = now or core_clock.now()
    decision = policy_decide(case=case)
    if (case.sla_policy_id, case.sla_facts) != (decision.policy.pk, decision.facts):
        case.sla_policy, case.sla_facts = decision.policy, decision.facts
        case.save(update_fields=["sla_policy", "sla_facts"])
    wanted = targets_for(decision.policy, case.severity)
    live = _live_clocks(case)
    pauses = _pauses(case)
    changed: list[str] = []
    for kind in sorted(set(wanted) | set(live)):
        target, clock = wanted.get(kind), live.get(kind)
        if clock is None and target is not None:
            if kind in STARTS_ON_RESOLUTION and case.status not in ("resolved", "closed"):
                continue
            if kind in STARTS_ON_EVENT:
                continue
            start = (
                case.resolved_at
                if kind in STARTS_ON_RESOLUTION and case.resolved_at
                else case.reported_at
            )
            _start_clock(
                case=case,
                target=target,
                policy=decision.policy,
                start=start,
                now=now,
                by=by,
                reason=reason,
            )
            changed.append(kind)
        elif clock is not None and target is None:
            if not clock.is_finished:
                _cancel(clock, at=now, by=by, reason=reason)
                changed.append(kind)
        elif (
            clock is not None
            and target is not None
            and _retarget(
                clock,
                target=target,
                policy=decision.policy,
                pauses=pauses,
                case=case,
                now=now,
                by=by,
                reason=reason,
            )
        ):
            changed.append(kind)
    if changed:
        _case_event(
            case,
            "sla",
            by=by,
            at=now,
            note=_("Service-level clocks recomputed: %(reason)s") % {"reason": reason},
            data={"policy": decision.policy.code, "targets": changed, "facts": decision.facts},
        )
    _sync_case(case)
    return bool(changed)


def _retarget(
    clock: SlaClock,
    *,
    target: SlaTarget,
    policy: SlaPolicy,
    pauses: Sequence[clockmath.Pause],
    case: Any,
    now: datetime,
    by: Any,
    reason: str,
) -> bool:
    new = (target.minutes * 60, target.calendar_id, target.warning_percent, policy.pk)
    old = (clock.duration_seconds, clock.calendar_id, clock.warning_percent, clock.policy_id)
    if new == old:
        return False
    before = clock.due_at
    clock.duration_seconds, clock.calendar, clock.warning_percent, clock.policy = (
        target.minutes * 60,
        target.calendar,
        target.warning_percent,
        policy,
    )
    spec = calendar_spec(clock.calendar)
    end = clock.met_at or now
    used = clockmath.consumed(spec, clock.started_at, pauses, end)
    if clock.met_at is not None:
        clock.elapsed_seconds = used
    # Judge the breach again on the new terms: a severity lowered by mistake undoes it.
    if used > clock.duration_seconds or (clock.met_at is None and used >= clock.duration_seconds):
        clock.breached_at = clock.breached_at or clockmath.instant_when(
            spec, clock.started_at, pauses, clock.duration_seconds, now=now
        )
    else:
        clock.breached_at = None
    if used < clock.duration_seconds * clock.warning_percent // 100:
        clock.warned_at = None
    _refresh(clock, pauses=pauses, rules=_rules(case.severity, clock.target), now=now)
    _save(clock)
    SlaClockEvent.objects.bulk_create(
        [
            _clock_event(
                clock,
                ClockEventKind.RECOMPUTED,
                at=now,
                by=by,
                reason=reason[:300],
                data={"previous_due_at": before.isoformat() if before else None},
            )
        ]
    )
    return True
