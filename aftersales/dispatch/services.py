"""Field service writes: dispatch an engineer, and the steps of a visit or remote session.

Dispatching assigns the case to the engineer (a reassignment is a field change in the
timeline), moves it to “dispatched” (which confirms the fault's cause for the SLA) and plans a
visit at the engineer's ETA. A visit goes planned → travelling → on site → done; the first
arrival on site is the case's arrival, which meets the on-site target.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseEventKind, CaseStatus
from aftersales.cases.models import Case
from aftersales.cases.services import case_record_arrival, case_transition, case_update
from aftersales.cases.services.common import record_event
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.dispatch.choices import VisitKind, VisitStatus
from aftersales.dispatch.models import Visit, VisitPart
from aftersales.dispatch.selectors import dispatch_candidates
from aftersales.notifications.services import events as notify

# How far ahead or back a recorded time may lie (phones' clocks drift; people tap late).
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_PARTS = 50


def _ensure_worker(by: User) -> None:
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not work on cases."))


def _when(value: datetime | None, *, field: str, not_before: datetime | None = None) -> datetime:
    now = clock.now()
    at = value or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise ValidationFailed(_("This time cannot be in the future."), field=field)
    if not_before is not None and at < not_before:
        raise ValidationFailed(
            _("This time cannot be before %(when)s.")
            % {"when": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")},
            field=field,
        )
    return at


@transaction.atomic
def case_dispatch(
    *,
    case: Case,
    engineer: User,
    by: User,
    planned_at: datetime | None = None,
    kind: str = VisitKind.ONSITE,
    note: str = "",
) -> Visit:
    """Send ``engineer`` to ``case``: assign, move to “dispatched”, plan the visit.

    ``planned_at`` defaults to the engineer's ETA from the ranking. Refused for engineers who
    are inactive, not engineers, off duty or away, and for finished cases.
    """
    _ensure_worker(by)
    if engineer.role != UserRole.ENGINEER or not engineer.is_active:
        raise ValidationFailed(_("Choose an active engineer."), field="engineer")
    if kind not in VisitKind.values:
        raise ValidationFailed(_("Choose an on-site visit or a remote session."), field="kind")
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "site", "asset__product")
        .get(pk=case.pk)
    )
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise Conflict(_("The case is resolved; reopen it before dispatching."))
    now = clock.now()
    ranking = {c.engineer.pk: c for c in dispatch_candidates(case=case, now=now)}
    candidate = ranking.get(engineer.pk)
    if candidate is None or not candidate.available:
        raise ValidationFailed(
            _("%(name)s is not available now.") % {"name": engineer.get_full_name() or engineer},
            field="engineer",
        )
    if planned_at is None:
        planned_at = candidate.eta or now
    elif timezone.is_naive(planned_at):
        planned_at = timezone.make_aware(planned_at)
    if planned_at < now - FUTURE_TOLERANCE:
        raise ValidationFailed(_("Plan the visit for now or later."), field="planned_at")
    if case.assignee_id != engineer.pk:
        case = case_update(case=case, by=by, changes={"assignee": engineer})
    visit = Visit.objects.create(
        case=case,
        kind=kind,
        engineer=engineer,
        planned_at=planned_at,
        created_by=by,
        created_at=now,
    )
    eta_text = timezone.localtime(planned_at).strftime("%Y-%m-%d %H:%M")
    record_event(
        case,
        CaseEventKind.DISPATCH,
        by=by,
        at=now,
        is_public=True,
        new_value=engineer.get_full_name() or engineer.username,
        note=_("Engineer %(name)s dispatched; expected %(eta)s.")
        % {"name": engineer.get_full_name() or engineer.username, "eta": eta_text}
        + (f" {note.strip()}" if note and note.strip() else ""),
        data={
            "engineer": engineer.username,
            "visit": visit.pk,
            "eta": planned_at.isoformat(),
            "kind": kind,
            "score": candidate.score,
            "reasons": candidate.reasons,
        },
    )
    notify.engineer_dispatched(
        case=case,
        engineer_name=engineer.get_full_name() or engineer.username,
        engineer_phone=engineer.phone,
        eta=planned_at,
        dedupe_key=f"visit:{visit.pk}",
        by=by,
        at=now,
        data={"visit": visit.pk, "kind": kind},
    )
    if case.status == CaseStatus.NEW:
        case = case_transition(case=case, to=CaseStatus.RESPONDED, by=by)
    if case.status != CaseStatus.DISPATCHED:
        case_transition(case=case, to=CaseStatus.DISPATCHED, by=by)
    return visit


def _lock_visit(visit: Visit) -> Visit:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("case", "engineer")
        .get(pk=visit.pk)
    )


def _visit_event(visit: Visit, by: User, at: datetime, text: str, step: str) -> None:
    record_event(
        visit.case,
        CaseEventKind.VISIT,
        by=by,
        at=clock.now(),
        is_public=True,
        new_value=str(VisitStatus(visit.status).label),
        note=text,
        data={"visit": visit.pk, "step": step, "at": at.isoformat(), "kind": visit.kind},
    )


def _wrong_step(visit: Visit) -> Conflict:
    return Conflict(
        _("The visit is “%(status)s”; this step does not apply.")
        % {"status": VisitStatus(visit.status).label},
        code="visit_step",
    )


@transaction.atomic
def visit_start_travel(*, visit: Visit, by: User, at: datetime | None = None) -> Visit:
    """The engineer sets off (on-site visits only)."""
    _ensure_worker(by)
    visit = _lock_visit(visit)
    if visit.kind != VisitKind.ONSITE or visit.status != VisitStatus.PLANNED:
        raise _wrong_step(visit)
    at = _when(at, field="at", not_before=visit.created_at - FUTURE_TOLERANCE)
    visit.travel_started_at, visit.status = at, VisitStatus.TRAVELLING
    visit.save(update_fields=["travel_started_at", "status"])
    _visit_event(visit, by, at, _("The engineer is on the way."), "travel")
    return visit


@transaction.atomic
def visit_arrive(*, visit: Visit, by: User, at: datetime | None = None) -> Visit:
    """The engineer is on site (or the remote session starts); the first arrival on site
    is the case's arrival and meets the on-site target."""
    _ensure_worker(by)
    visit = _lock_visit(visit)
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.TRAVELLING):
        raise _wrong_step(visit)
    at = _when(at, field="at", not_before=visit.travel_started_at or visit.case.reported_at)
    visit.arrived_at, visit.status = at, VisitStatus.ON_SITE
    visit.save(update_fields=["arrived_at", "status"])
    text = (
        _("The engineer arrived on site.")
        if visit.kind == VisitKind.ONSITE
        else _("Remote session started.")
    )
    _visit_event(visit, by, at, text, "arrive")
    if visit.kind == VisitKind.ONSITE and visit.case.arrived_at is None:
        case_record_arrival(case=visit.case, by=by, arrived_at=at)
    return visit


@transaction.atomic
def visit_depart(
    *,
    visit: Visit,
    by: User,
    work_performed: str,
    parts: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> Visit:
    """The engineer leaves (or the remote session ends), with the work done and parts swapped."""
    _ensure_worker(by)
    visit = _lock_visit(visit)
    if visit.status != VisitStatus.ON_SITE:
        raise _wrong_step(visit)
    work = (work_performed or "").strip()
    if not work:
        raise ValidationFailed(_("Describe the work performed."), field="work_performed")
    rows = []
    for index, part in enumerate(parts or [], start=1):
        name = (part.get("part") or "").strip()
        serial_out = (part.get("serial_out") or "").strip()
        serial_in = (part.get("serial_in") or "").strip()
        if not name and not serial_out and not serial_in:
            continue
        if not name or len(name) > 100 or len(serial_out) > 80 or len(serial_in) > 80:
            raise ValidationFailed(
                _("Part %(n)d: name the part (serials at most 80 characters).") % {"n": index},
                field="parts",
            )
        rows.append(VisitPart(visit=visit, part=name, serial_out=serial_out, serial_in=serial_in))
    if len(rows) > MAX_PARTS:
        raise ValidationFailed(_("Too many parts on one visit."), field="parts")
    at = _when(at, field="at", not_before=visit.arrived_at)
    visit.departed_at, visit.status, visit.work_performed = at, VisitStatus.DONE, work
    visit.save(update_fields=["departed_at", "status", "work_performed"])
    VisitPart.objects.bulk_create(rows)
    text = _("Visit finished after %(minutes)d minutes: %(work)s") % {
        "minutes": visit.minutes_on_site or 0,
        "work": work,
    }
    if rows:
        text += " " + _("Parts replaced: %(parts)s.") % {
            "parts": "; ".join(
                f"{r.part} ({r.serial_out or '—'} → {r.serial_in or '—'})" for r in rows
            )
        }
    _visit_event(visit, by, at, text, "depart")
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, by: User, reason: str) -> Visit:
    """Cancel a visit that has not started on site."""
    _ensure_worker(by)
    visit = _lock_visit(visit)
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.TRAVELLING):
        raise _wrong_step(visit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the visit is cancelled."), field="reason")
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status"])
    _visit_event(
        visit, by, clock.now(), _("Visit cancelled: %(reason)s") % {"reason": reason}, "cancel"
    )
    return visit


@transaction.atomic
def rotation_set_members(*, rotation: Any, members: list[User], by: User) -> None:
    """Set a rotation's members in turn order (supervisors and administrators)."""
    from aftersales.dispatch.models import RotationMember

    _ensure_roster_manager(by)
    if not members:
        raise ValidationFailed(_("A rotation needs at least one member."), field="members")
    if len({m.pk for m in members}) != len(members):
        raise ValidationFailed(_("Each member once only."), field="members")
    RotationMember.objects.filter(rotation=rotation).delete()
    RotationMember.objects.bulk_create(
        [RotationMember(rotation=rotation, user=m, position=i) for i, m in enumerate(members)]
    )


def _ensure_roster_manager(by: User) -> None:
    if not has_capability(by, Capability.DECIDE_CLAIMS):  # supervisors and administrators
        raise NotAllowed(_("Only a supervisor manages the on-call roster."))


@transaction.atomic
def rotation_generate(*, rotation: Any, until: datetime, by: User | None = None) -> int:
    """Write the rotation's on-call shifts up to ``until``; return how many were new.

    Period *n* runs from ``starts_at + n * shift_hours`` for ``shift_hours`` and falls to the
    member at position ``n mod members``. Each period is written once, however often (or by how
    many schedulers at once) this runs: the period number is unique per rotation.
    """
    from django.db import IntegrityError

    from aftersales.dispatch.models import Rotation, RotationShift
    from aftersales.notifications.models import OnCallShift

    if by is not None:
        _ensure_roster_manager(by)
    rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
    members = list(rotation.members.select_related("user").order_by("position"))
    if not members or not rotation.is_active:
        return 0
    length = timedelta(hours=rotation.shift_hours)
    done = set(rotation.shifts.values_list("index", flat=True))
    created = 0
    index = 0
    while rotation.starts_at + index * length < until:
        if index not in done:
            start = rotation.starts_at + index * length
            member = members[index % len(members)].user
            try:
                with transaction.atomic():
                    shift = OnCallShift.objects.create(
                        user=member,
                        team=rotation.team,
                        region=rotation.region,
                        starts_at=start,
                        ends_at=start + length,
                        note=rotation.name[:200],
                    )
                    RotationShift.objects.create(rotation=rotation, index=index, shift=shift)
                created += 1
            except IntegrityError:  # another scheduler wrote this period first
                pass
        index += 1
    return created


def rotations_generate_all(*, horizon_days: int = 28) -> int:
    """Keep every active rotation written ``horizon_days`` ahead (the periodic task)."""
    from aftersales.dispatch.models import Rotation

    until = clock.now() + timedelta(days=horizon_days)
    return sum(
        rotation_generate(rotation=r, until=until) for r in Rotation.objects.filter(is_active=True)
    )


@transaction.atomic
def shift_swap(*, shift: Any, to_user: User, by: User, reason: str) -> Any:
    """Hand an on-call shift to ``to_user`` (a supervisor, or the person on the shift)."""
    from aftersales.dispatch.models import ShiftSwap
    from aftersales.notifications.models import OnCallShift

    shift = OnCallShift.objects.select_for_update().get(pk=shift.pk)
    if not (has_capability(by, Capability.DECIDE_CLAIMS) or by.pk == shift.user_id):
        raise NotAllowed(_("Only a supervisor or the person on the shift may swap it."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the shift is swapped."), field="reason")
    if not to_user.is_active or not to_user.is_service_staff:
        raise ValidationFailed(_("Choose an active member of staff."), field="to_user")
    if to_user.pk == shift.user_id:
        raise ValidationFailed(_("This person is already on the shift."), field="to_user")
    if shift.ends_at <= clock.now():
        raise Conflict(_("The shift is over; it can no longer be swapped."))
    swap = ShiftSwap.objects.create(
        shift=shift,
        from_user_id=shift.user_id,
        to_user=to_user,
        reason=reason[:300],
        created_by=by,
        created_at=clock.now(),
    )
    shift.user = to_user
    shift.save(update_fields=["user"])
    return swap


# --- Planned work ----------------------------------------------------------------------------

PLANNER_USERNAME = "planner"


def planner_user() -> User:
    """Return the staff account that opens planned cases, created on first use."""
    from django.db import IntegrityError

    from aftersales.accounts.services import user_create

    user = User.objects.filter(username=PLANNER_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return user_create(
                by=None,
                username=PLANNER_USERNAME,
                role=UserRole.AGENT,
                first_name=_("Service planner"),
                is_available=False,
            )
    except IntegrityError:
        return User.objects.get(username=PLANNER_USERNAME)


def plan_due_periods(plan: Any, today: Any) -> list[Any]:
    """Return the period starts of ``plan`` whose case should exist by ``today``: the periods
    that have not ended and whose opening day (start minus the lead days) has come."""
    from aftersales.catalog.entitlement import add_months

    last = plan.ends_on
    if plan.contract_id and plan.contract.end_date:
        last = min(last, plan.contract.end_date) if last else plan.contract.end_date
    due = []
    n = 0
    while True:
        start = add_months(plan.starts_on, n * plan.every_months)
        if last is not None and start > last:
            break
        if start - timedelta(days=plan.lead_days) > today:
            break
        if add_months(start, plan.every_months) > today:
            due.append(start)
        n += 1
    return due


def _plan_case(plan: Any, period_start: Any, now: datetime) -> Case:
    from aftersales.cases.services import case_create
    from aftersales.dispatch.models import ChecklistItem, PlannedCase

    customer = plan.contract.customer if plan.contract_id else plan.asset.customer
    summary = _("%(plan)s: period from %(start)s") % {"plan": plan.name, "start": period_start}
    items = plan.checklist_items
    case = case_create(
        by=planner_user(),
        customer=customer,
        asset=plan.asset if plan.asset_id else None,
        contract=plan.contract if plan.contract_id else None,
        case_type=plan.case_type,
        channel="api",
        severity="C-3",
        summary=summary[:200],
        description="\n".join(f"- {item}" for item in items),
        team=plan.team,
        reported_at=now,
    )
    PlannedCase.objects.create(plan=plan, period_start=period_start, case=case, created_at=now)
    ChecklistItem.objects.bulk_create(
        [ChecklistItem(case=case, position=i, text=text[:300]) for i, text in enumerate(items)]
    )
    return case


def plans_open_due(*, now: datetime | None = None) -> int:
    """Open the planned cases that have come due; return how many were opened.

    Each (plan, period) opens exactly one case, however many schedulers run at once: the case
    and its period row are written in one savepoint and the period is unique per plan, so a
    second writer's attempt rolls back whole.
    """
    from django.db import IntegrityError

    from aftersales.dispatch.models import PlannedCase, ServicePlan

    now = now or clock.now()
    today = timezone.localdate(now)
    opened = 0
    plans = ServicePlan.objects.filter(is_active=True).select_related(
        "contract__customer", "asset__customer", "team"
    )
    for plan in plans:
        done = set(PlannedCase.objects.filter(plan=plan).values_list("period_start", flat=True))
        for start in plan_due_periods(plan, today):
            if start in done:
                continue
            try:
                with transaction.atomic():
                    _plan_case(plan, start, now)
                opened += 1
            except IntegrityError:  # another scheduler opened this period first
                continue
    return opened


@transaction.atomic
def checklist_tick(*, item: Any, by: User, done: bool = True, note: str = "") -> Any:
    """Tick (or untick) a checklist item; ticking the last item of an installation case
    records the installation on the asset (its service stage moves to trial operation)."""
    from aftersales.dispatch.models import ChecklistItem

    _ensure_worker(by)
    item = ChecklistItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    now = clock.now()
    item.done_at, item.done_by = (now, by) if done else (None, None)
    item.note = (note or "").strip()[:300]
    item.save(update_fields=["done_at", "done_by", "note"])
    record_event(
        item.case,
        CaseEventKind.FIELD_CHANGED,
        by=by,
        at=now,
        is_public=False,
        field="checklist",
        old_value="" if done else item.text,
        new_value=item.text if done else "",
        note=item.note,
    )
    case = item.case
    if (
        done
        and case.case_type == "installation"
        and case.asset_id
        and not ChecklistItem.objects.filter(case=case, done_at__isnull=True).exists()
    ):
        from aftersales.catalog.models import Asset

        asset = Asset.objects.select_for_update().get(pk=case.asset_id)
        if asset.installation_date is None:
            asset.installation_date = timezone.localdate(now)
            asset.save(update_fields=["installation_date", "updated_at"])
            record_event(
                case,
                CaseEventKind.FIELD_CHANGED,
                by=by,
                at=now,
                is_public=True,
                field="installation_date",
                new_value=asset.installation_date.isoformat(),
                note=_("Installation and commissioning complete: the unit is in trial operation."),
            )
    return item


@transaction.atomic
def installation_accept(*, case: Case, by: User, on: Any = None) -> Any:
    """Record the customer's final acceptance of the unit installed under ``case``; a warranty
    counted from final acceptance starts that day."""
    from aftersales.catalog.models import Asset

    _ensure_worker(by)
    if not case.asset_id:
        raise ValidationFailed(_("The case has no unit."), field="asset")
    asset = Asset.objects.select_for_update().get(pk=case.asset_id)
    on = on or clock.today()
    if asset.installation_date is None:
        raise Conflict(_("Installation is not complete yet: finish the checklist first."))
    if on < asset.installation_date:
        raise ValidationFailed(_("Acceptance cannot come before installation."), field="on")
    if asset.final_acceptance_date is not None:
        raise Conflict(_("The unit was already accepted."))
    asset.final_acceptance_date = on
    asset.save(update_fields=["final_acceptance_date", "updated_at"])
    record_event(
        case,
        CaseEventKind.FIELD_CHANGED,
        by=by,
        is_public=True,
        field="final_acceptance_date",
        new_value=on.isoformat(),
        note=_("Final acceptance recorded."),
    )
    return asset


@transaction.atomic
def visit_feedback(*, visit: Visit, by: User, text: str, score: int | None = None) -> Visit:
    """Record the customer's feedback on a finished visit (the contact, or staff writing down
    what the customer said)."""
    from aftersales.cases.services.common import ensure_can_view

    visit = _lock_visit(visit)
    ensure_can_view(user=by, case=visit.case)
    if not (by.is_customer_contact or has_capability(by, Capability.WORK_CASES)):
        raise NotAllowed(_("You may not record feedback."))
    if visit.status != VisitStatus.DONE:
        raise _wrong_step(visit)
    text = (text or "").strip()
    if not text and score is None:
        raise ValidationFailed(_("Write the feedback or give a score."), field="text")
    if score is not None and not 1 <= int(score) <= 5:
        raise ValidationFailed(_("Give a score from 1 to 5."), field="score")
    visit.customer_feedback, visit.feedback_score = text[:5000], score
    visit.save(update_fields=["customer_feedback", "feedback_score"])
    record_event(
        visit.case,
        CaseEventKind.VISIT,
        by=by,
        is_public=True,
        new_value=str(score or ""),
        note=_("Feedback on the visit: %(text)s") % {"text": text or "—"},
        data={"visit": visit.pk, "step": "feedback", "score": score},
    )
    return visit


# --- Backup units ------------------------------------------------------------------------------


@transaction.atomic
def loan_issue(*, case: Case, unit: Any, by: User, due_back: Any) -> Any:
    """Lend a backup unit to the customer against ``case`` until ``due_back``."""
    from django.db import IntegrityError

    from aftersales.dispatch.models import BackupUnit, Loan

    _ensure_worker(by)
    unit = BackupUnit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationFailed(_("This unit is not in the backup pool."), field="unit")
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise Conflict(_("The case is resolved; no loan is needed."))
    if due_back < clock.today():
        raise ValidationFailed(_("The return date cannot be in the past."), field="due_back")
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                unit=unit, case=case, issued_at=clock.now(), issued_by=by, due_back=due_back
            )
    except IntegrityError:
        raise Conflict(_("This unit is already lent out."), code="unit_on_loan") from None
    record_event(
        case,
        CaseEventKind.FIELD_CHANGED,
        by=by,
        is_public=True,
        field="backup_unit",
        new_value=unit.serial_number,
        note=_("Backup unit %(serial)s lent until %(day)s.")
        % {"serial": unit.serial_number, "day": due_back},
    )
    return loan


@transaction.atomic
def loan_return(*, loan: Any, by: User, condition: str = "") -> Any:
    from aftersales.dispatch.models import Loan

    _ensure_worker(by)
    loan = Loan.objects.select_for_update().select_related("case", "unit").get(pk=loan.pk)
    if loan.returned_at is not None:
        raise Conflict(_("This unit was already returned."))
    loan.returned_at, loan.returned_to = clock.now(), by
    loan.condition = (condition or "").strip()[:300]
    loan.save(update_fields=["returned_at", "returned_to", "condition"])
    record_event(
        loan.case,
        CaseEventKind.FIELD_CHANGED,
        by=by,
        is_public=True,
        field="backup_unit",
        old_value=loan.unit.serial_number,
        new_value="",
        note=_("Backup unit %(serial)s returned.") % {"serial": loan.unit.serial_number},
    )
    return loan


# --- Auto-dispatch -----------------------------------------------------------------------------

# New cases older than this are left to people (the rule was probably added later).
AUTO_DISPATCH_WINDOW = timedelta(hours=24)


def auto_dispatch(*, now: datetime | None = None) -> int:
    """Dispatch new, unassigned cases that an active rule covers; return how many.

    Each case goes to the best-ranked available engineer (with the product line unless the rule
    says otherwise); a case nobody fits stays for a person. Safe to run from several workers:
    each case is locked (skipped when another worker holds it) and only a case still new and
    unassigned is dispatched.
    """
    from aftersales.dispatch.models import DispatchRule

    now = now or clock.now()
    rules = list(DispatchRule.objects.filter(is_active=True))
    done = 0
    for rule in rules:
        cases = Case.objects.filter(
            status=CaseStatus.NEW,
            assignee__isnull=True,
            case_type=rule.case_type,
            reported_at__gte=now - AUTO_DISPATCH_WINDOW,
        )
        if rule.severity:
            cases = cases.filter(severity=rule.severity)
        for case_id in list(cases.values_list("pk", flat=True)[:200]):
            with transaction.atomic():
                case = (
                    Case.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("customer", "site", "asset__product")
                    .filter(pk=case_id, status=CaseStatus.NEW, assignee__isnull=True)
                    .first()
                )
                if case is None:
                    continue
                pick = next(
                    (
                        c
                        for c in dispatch_candidates(case=case, now=now)
                        if c.available and (c.skilled or not rule.skilled_only)
                    ),
                    None,
                )
                if pick is None:
                    continue
                case_dispatch(
                    case=case,
                    engineer=pick.engineer,
                    by=planner_user(),
                    note=_("Auto-dispatch rule: %(rule)s.") % {"rule": str(rule)},
                )
                done += 1
    return done
