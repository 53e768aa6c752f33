"""Service-level clocks of cases: start, pause, resume, meet, recompute, sweep, escalate.

``cases.services`` calls the ``sla_on_*`` hooks inside its own transactions, so a case change
and its clock changes commit together. The sweep (``sla_sweep``) is the only writer that starts
on its own: it locks the due clocks it works on, re-checks them under the lock and records every
warning, breach and escalation once, even when several sweepers run at the same moment.

Timeline entries go to ``cases.CaseEvent`` through the app registry (``_case_event``): cases
depend on sla, so sla reaches back by name rather than by import.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.calendars.selectors import calendar_spec
from aftersales.cases.choices import CaseType
from aftersales.catalog.entitlement import contract_active_on, entitlement_at
from aftersales.core import clock as core_clock
from aftersales.notifications.models import NotificationKind
from aftersales.notifications.services import notifications_build, notifications_save
from aftersales.sla import clockmath
from aftersales.sla.choices import (
    STARTS_ON_RESOLUTION,
    ClockEventKind,
    ClockState,
    EscalationRecipient,
    SlaTargetKind,
    WarrantyCondition,
)
from aftersales.sla.config_cache import SlaConfig, sla_config
from aftersales.sla.models import (
    Escalation,
    EscalationRule,
    SlaClock,
    SlaClockEvent,
    SlaPause,
    SlaPolicy,
    SlaTarget,
)

logger = logging.getLogger(__name__)
T = SlaTargetKind
# The order in which a case's promises fall due, for display.
TARGET_ORDER = {
    t: i for i, t in enumerate([T.RESPONSE, T.ONSITE, T.CONFIRM, T.RESTORE, T.FOLLOW_UP])
}


def pausing_statuses() -> frozenset[str]:
    """Return the case statuses in which clocks stand still (``SLA_PAUSING_STATUSES``)."""
    return frozenset(settings.SLA_PAUSING_STATUSES)


def _case_event(
    case: Any, kind: str, *, by: Any = None, at: datetime, is_public: bool = False, **fields: Any
) -> None:
    CaseEvent = apps.get_model("cases", "CaseEvent")  # noqa: N806 - a model class
    CaseEvent.objects.create(case=case, kind=kind, actor=by, at=at, is_public=is_public, **fields)


def _clock_event(
    clock: SlaClock, kind: str, *, at: datetime, by: Any = None, **fields: Any
) -> SlaClockEvent:
    return SlaClockEvent(clock=clock, kind=kind, at=at, actor=by, due_at=clock.due_at, **fields)


# --- which policy ------------------------------------------------------------------------------


@dataclass
class Decision:
    policy: SlaPolicy
    facts: dict[str, Any]


def policy_decide(*, case: Any, config: SlaConfig | None = None) -> Decision:
    """Choose the policy for ``case``, and record the facts it was chosen on.

    Order: the contract in force on the report date gives the service level (``none`` without
    one); the asset's hardware warranty on that date gives the warranty condition; then the case
    type and severity. Among active policies whose non-empty criteria all match, the most
    specific wins (most criteria set), then the lowest ``order``; if none matches, the default.
    """
    day = timezone.localdate(case.reported_at)
    contract = case.contract
    asset = case.asset
    active = contract_active_on(contract, day)
    facts: dict[str, Any] = {
        "date": day.isoformat(),
        "contract": contract.number if contract else None,
        "contract_active": active,
        "service_level": contract.service_level if active else "none",
        "asset": asset.serial_number if asset else None,
        "warranty": "",
        "warranty_end": None,
        "case_type": case.case_type,
        "severity": case.severity,
    }
    if asset is not None:
        ent = entitlement_at(asset, day, contract=contract)
        facts["warranty"] = (
            WarrantyCondition.IN_WARRANTY
            if ent.hardware_warranty.active
            else WarrantyCondition.OUT_OF_WARRANTY
        )
        facts["warranty_end"] = (
            ent.hardware_warranty.end.isoformat() if ent.hardware_warranty.end else None
        )
        facts["stage"] = ent.stage
    criteria = {
        "service_level": facts["service_level"],
        "warranty": facts["warranty"] or WarrantyCondition.OUT_OF_WARRANTY,
        "case_type": case.case_type,
        "severity": case.severity,
    }
    config = config or sla_config()
    best: tuple[int, int, int] | None = None
    chosen: SlaPolicy | None = None
    for policy in config.policies:
        set_fields = [f for f in criteria if getattr(policy, f)]
        if all(getattr(policy, f) == criteria[f] for f in set_fields):
            rank = (len(set_fields), -policy.order, -policy.pk)
            if best is None or rank > best:
                best, chosen = rank, policy
    if chosen is None:
        chosen = config.default
        if chosen is None:
            raise SlaPolicy.DoesNotExist("no default service-level policy")
        facts["matched"] = "default"
    else:
        facts["matched"] = [f for f in criteria if getattr(chosen, f)]
    facts["policy"] = chosen.code
    return Decision(policy=chosen, facts=facts)


def explain(facts: dict[str, Any], policy_name: str) -> str:
    """Return, in the active language, why a case got its policy."""
    parts = []
    if facts.get("contract"):
        if facts.get("contract_active"):
            parts.append(
                _("%(level)s contract %(number)s")
                % {"level": facts["service_level"], "number": facts["contract"]}
            )
        else:
            parts.append(_("contract %(number)s not in force") % {"number": facts["contract"]})
    else:
        parts.append(_("no contract"))
    if facts.get("asset"):
        if facts.get("warranty") == WarrantyCondition.IN_WARRANTY:
            parts.append(_("asset in warranty until %(end)s") % {"end": facts.get("warranty_end")})
        else:
            parts.append(_("asset out of warranty"))
    case_type = facts.get("case_type")
    parts.append(str(CaseType(case_type).label) if case_type in CaseType.values else str(case_type))
    parts.append(str(facts.get("severity")))
    if facts.get("matched") == "default":
        return _("%(facts)s: no policy matched, default policy %(policy)s") % {
            "facts": ", ".join(parts),
            "policy": policy_name,
        }
    return _("%(facts)s → policy %(policy)s") % {"facts": ", ".join(parts), "policy": policy_name}


def targets_for(
    policy: SlaPolicy, severity: str, *, config: SlaConfig | None = None
) -> dict[str, SlaTarget]:
    """Return the policy's targets for a severity (a severity-specific row beats a general one)."""
    config = config or sla_config()
    chosen: dict[str, SlaTarget] = {}
    for row in config.targets.get(policy.pk, []):
        if row.severity in ("", severity) and (row.target not in chosen or row.severity):
            chosen[row.target] = row
    return chosen


# --- clock arithmetic against the database -----------------------------------------------------


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


# --- hooks called by cases.services ------------------------------------------------------------


def sla_plan(*, case: Any) -> Decision:
    """Choose the policy of a case that is about to be saved and set it on the case.

    Called before the case's insert, so that the policy and its facts go in the same row.
    """
    config = sla_config()
    decision = policy_decide(case=case, config=config)
    case.sla_policy = decision.policy
    case.sla_facts = decision.facts
    case._sla_config = config  # sla_start reuses it: one configuration check per case
    return decision


def sla_start(
    *, case: Any, by: Any, now: datetime | None = None, timeline: list[Any] | None = None
) -> list[SlaClock]:
    """Start the clocks of a new case at its report time, on the policy ``sla_plan`` set.

    The case's timeline entry ("policy X, because ...") is appended to ``timeline`` for the
    caller to insert with its own entries, or written at once when no list is given. Built for
    the hot path of case creation: the configuration comes from the process cache and each table
    gets one insert.
    """
    now = now or core_clock.now()
    config = getattr(case, "_sla_config", None) or sla_config()
    if case.sla_policy_id is None:
        sla_plan(case=case)
        case.save(update_fields=["sla_policy", "sla_facts"])
    decision = Decision(policy=case.sla_policy, facts=case.sla_facts)
    paused = case.status in pausing_statuses()
    clocks = []
    for kind, target in sorted(
        targets_for(decision.policy, case.severity, config=config).items(),
        key=lambda kv: TARGET_ORDER[kv[0]],
    ):
        if kind in STARTS_ON_RESOLUTION:
            continue
        clock = SlaClock(
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
    SlaClock.objects.bulk_create(clocks)
    SlaClockEvent.objects.bulk_create(
        [_clock_event(clock, ClockEventKind.STARTED, at=now, by=by) for clock in clocks]
    )
    CaseEvent = apps.get_model("cases", "CaseEvent")  # noqa: N806 - a model class
    entry = CaseEvent(
        case=case,
        kind="sla",
        actor=by,
        at=now,
        is_public=False,
        note=explain(decision.facts, decision.policy.name),
        data={
            "policy": decision.policy.code,
            "facts": decision.facts,
            "targets": [c.target for c in clocks],
        },
    )
    if timeline is None:
        entry.save()
    else:
        timeline.append(entry)
    case.live_sla_clocks = clocks
    return clocks


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


def sla_meet(
    *, case: Any, targets: Iterable[str], by: Any, at: datetime | None = None, reason: str = ""
) -> list[str]:
    """Mark the case's running clocks for ``targets`` met; return the targets that were met."""
    at = at or core_clock.now()
    wanted = set(targets)
    clocks = [c for t, c in _live_clocks(case).items() if t in wanted and not c.is_finished]
    if not clocks:
        return []
    pauses = _pauses(case)
    return [c.target for c in clocks if _meet(c, at=at, by=by, pauses=pauses, reason=reason)]


def sla_on_transition(
    *, case: Any, from_status: str, to_status: str, by: Any, at: datetime, reopening: bool
) -> None:
    """Move the clocks along with a status change of ``case`` (already saved)."""
    paused_in = pausing_statuses()
    if from_status == "new":
        sla_meet(case=case, targets=[T.RESPONSE], by=by, at=at, reason=_("case left “new”"))
    if to_status == "dispatched":
        sla_meet(case=case, targets=[T.CONFIRM], by=by, at=at, reason=_("case dispatched"))
    if reopening:
        _reopen(case=case, by=by, at=at)
    if to_status in paused_in and from_status not in paused_in:
        _pause(case=case, by=by, at=at, status=to_status)
    elif from_status in paused_in and to_status not in paused_in:
        _resume(case=case, by=by, at=at, status=from_status)
    if to_status == "resolved":
        _resolve(case=case, by=by, at=at)
    elif to_status == "closed":
        sla_meet(case=case, targets=[T.FOLLOW_UP], by=by, at=at, reason=_("case closed"))


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
    sla_meet(case=case, targets=[T.RESTORE, T.RESPONSE, T.CONFIRM], by=by, at=at, reason=reason)
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


# --- escalation --------------------------------------------------------------------------------


def service_directors() -> list[Any]:
    """Return the active service directors (the top rungs of escalation ladders)."""
    User = apps.get_model("accounts", "User")  # noqa: N806 - a model class
    return list(User.objects.filter(is_service_director=True, is_active=True).order_by("pk"))


def escalation_recipients(
    case: Any, kinds: Iterable[str], *, directors: list[Any] | None = None
) -> list[Any]:
    """Return the people behind the recipient kinds of a ladder rung, for ``case``.

    ``directors`` saves the look-up when the caller already has the service directors.
    """
    people: list[Any] = []
    for kind in kinds:
        if kind == EscalationRecipient.ASSIGNEE and case.assignee_id:
            people.append(case.assignee)
        elif kind == EscalationRecipient.TEAM_LEAD and case.team_id and case.team.lead_id:
            people.append(case.team.lead)
        elif kind == EscalationRecipient.REGIONAL_SUPERVISOR:
            region = (
                case.site.region if case.site_id and case.site.region_id else case.customer.region
            )
            if region.supervisor_id:
                people.append(region.supervisor)
        elif kind == EscalationRecipient.SERVICE_DIRECTOR:
            people.extend(service_directors() if directors is None else directors)
    return people


def _fallback_recipients(case: Any) -> list[Any]:
    """Who hears about a warning or breach: the assignee, else the team lead, else the region's
    supervisor."""
    for kinds in (
        [EscalationRecipient.ASSIGNEE],
        [EscalationRecipient.TEAM_LEAD],
        [EscalationRecipient.REGIONAL_SUPERVISOR],
    ):
        people = escalation_recipients(case, kinds)
        if people:
            return people
    return []


def escalation_create_manual(*, case: Any, by: Any, reason: str, at: datetime) -> Escalation:
    """Record a manual escalation one level above the case's highest so far and notify that
    rung's recipients (the regional supervisor first, then the service director)."""
    highest = max((e.level for e in Escalation.objects.filter(case=case)), default=0)
    level = highest + 1
    rules = _rules(case.severity, T.CONFIRM)
    rung = next((r for r in rules if r.level == level), rules[-1] if rules else None)
    kinds = rung.recipients if rung else [EscalationRecipient.REGIONAL_SUPERVISOR]
    people = escalation_recipients(case, kinds) or _fallback_recipients(case)
    escalation = Escalation.objects.create(
        case=case,
        level=level,
        reason=reason,
        actor=by,
        at=at,
        recipients=[p.username for p in people],
    )
    notifications_save(
        notifications_build(
            recipients=people,
            kind=NotificationKind.ESCALATION,
            case=case,
            at=at,
            dedupe_key=f"escalation:{escalation.pk}",
            data={"level": level, "manual": True},
            render=lambda: (
                _("Case %(number)s escalated to level %(level)d")
                % {"number": case.number, "level": level},
                _("Escalated by %(user)s: %(reason)s") % {"user": by.username, "reason": reason},
            ),
        )
    )
    return escalation


# --- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepResult:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    notifications: int = 0
    cases: set[int] = field(default_factory=set)


# Lazy: rendered in each reader's language when a note or notification is written.
_TARGET_LABELS = {
    T.RESPONSE: gettext_lazy("response"),
    T.ONSITE: gettext_lazy("on-site arrival"),
    T.CONFIRM: gettext_lazy("cause confirmation"),
    T.RESTORE: gettext_lazy("restoration"),
    T.FOLLOW_UP: gettext_lazy("follow-up"),
}


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
        data={"target": clock.target, "event": event, "due_at": clock.due_at.isoformat()},
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
    notices = []
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
        elif (
            clock.warned_at is None
            and clock.breached_at is None
            and used >= d * clock.warning_percent // 100
        ):
            clock.warned_at = now
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
    SlaClockEvent.objects.bulk_create(events)
    CaseEvent.objects.bulk_create(case_events)
    result.notifications += notifications_save(notices)
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
