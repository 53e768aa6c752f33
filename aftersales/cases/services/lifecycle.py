"""Open, change, move and comment on cases: the writes every client shares."""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Team, User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import transitions
from aftersales.cases.choices import CaseChannel, CaseEventKind, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case, CaseEvent, Comment, IdempotencyRecord
from aftersales.cases.services.assignment import team_pick_assignee
from aftersales.cases.services.common import (
    EDITABLE_FIELDS,
    REPORTED_AT_FUTURE_TOLERANCE,
    SEARCH_FIELDS,
    SLA_FIELDS,
    _check_assignee,
    _check_choice,
    _check_relations,
    _check_text,
    _display,
    _lock,
    can_transition,
    ensure_can_view,
    record_event,
    search_document,
)
from aftersales.cases.services.numbering import (
    Reservation,
    _allocate_number,
    allocate_number_and_keys,
)
from aftersales.catalog.models import Asset, Contract
from aftersales.core import clock
from aftersales.core.batch import batching_available, insert_together
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from aftersales.core.instances import build
from aftersales.customers.models import Contact, Customer, Site
from aftersales.notifications.models import NotificationEvent
from aftersales.notifications.services import events as notify
from aftersales.sla import services as sla
from aftersales.sla.choices import STARTS_ON_EVENT, STARTS_ON_RESOLUTION, SlaTargetKind
from aftersales.sla.config_cache import SlaConfig
from aftersales.sla.models import SlaClock, SlaClockEvent


def case_create(
    *,
    by: User,
    customer: Customer,
    case_type: str,
    channel: str,
    severity: str,
    summary: str,
    description: str = "",
    asset: Asset | None = None,
    contact: Contact | None = None,
    site: Site | None = None,
    contract: Contract | None = None,
    reported_at: datetime | None = None,
    assignee: User | None = None,
    team: Team | None = None,
    sla_config: SlaConfig | None = None,
    reserved: Reservation | None = None,
) -> Case:
    """Register a new case and start its clocks at ``reported_at`` (default: now).

    The contract and site default to the asset's. A customer contact may open cases only for their
    own organisation and may not assign them. ``sla_config`` is the SLA configuration when the
    caller has just checked that it is current (``sla.config_cache.sla_config_from``);
    ``reserved`` a number and keys the caller drew ahead (``ROWS_AT_MOST``), used if they fit.

    On PostgreSQL the case, its clocks, their events, its timeline and its outbox event are
    inserted in one round trip, after one statement that draws the number and every key.

    Raises NotAllowed, ValidationFailed.
    """
    # Drawing the number and keys needs no transaction, and every row goes in with one
    # multi-statement query, which is a transaction of its own (or part of the caller's); the
    # one-by-one inserts and a team's pick of the assignee (a lock) need one.
    atomic = team is not None or not batching_available()
    with transaction.atomic() if atomic else contextlib.nullcontext():
        if not has_capability(by, Capability.CREATE_CASES):
            raise NotAllowed(_("You may not open cases."))
        if by.is_customer_contact:
            if customer.pk != by.customer_id:
                raise ValidationFailed(
                    _("You may open cases only for your own organisation."), field="customer"
                )
            if assignee is not None or team is not None:
                raise NotAllowed(_("Customer contacts may not assign cases."))
        _check_choice("case_type", case_type, CaseType)
        _check_choice("channel", channel, CaseChannel)
        _check_choice("severity", severity, CaseSeverity)
        summary = _check_text("summary", summary, max_length=200, required=True)
        description = _check_text("description", description)
        now = clock.now()
        if reported_at is None:
            reported_at = now
        elif timezone.is_naive(reported_at):
            reported_at = timezone.make_aware(reported_at)
        if reported_at > now + REPORTED_AT_FUTURE_TOLERANCE:
            raise ValidationFailed(
                _("The report time cannot be in the future."), field="reported_at"
            )
        if asset is not None:
            contract = contract or asset.contract
            site = site or asset.site
        _check_relations(
            customer=customer, asset=asset, contact=contact, site=site, contract=contract
        )
        _check_assignee(assignee)
        auto_note = ""
        if team is not None and assignee is None:
            assignee, auto_note = _auto_assign(team)

        case = build(
            Case,
            case_type=case_type,
            channel=channel,
            severity=severity,
            customer=customer,
            contact=contact,
            site=site,
            asset=asset,
            contract=contract,
            summary=summary,
            description=description,
            reported_at=reported_at,
            assignee=assignee,
            team=team,
            created_by=by,
        )
        sla.sla_plan(case=case, now=now, config=sla_config)
        timeline = [
            build(
                CaseEvent,
                case=case,
                kind=CaseEventKind.CREATED,
                actor=by,
                at=now,
                to_status=CaseStatus.NEW,
                data={
                    "channel": channel,
                    "severity": severity,
                    "case_type": case_type,
                    "reported_at": reported_at.isoformat(),
                },
            )
        ]
        if assignee is not None:
            timeline.append(
                build(
                    CaseEvent,
                    case=case,
                    kind=CaseEventKind.FIELD_CHANGED,
                    actor=by,
                    at=now,
                    field="assignee",
                    new_value=_display(assignee),
                    note=auto_note,
                )
            )
        clocks, clock_events = sla.sla_start_rows(case=case, by=by, now=now, timeline=timeline)
        _insert_new_case(case, clocks, clock_events, timeline, by=by, now=now, reserved=reserved)
        return case


# The most rows of each table that ``case_create`` inserts: the case, a clock and its
# "started" event per target that starts with the case, the timeline ("created", the assignee,
# the policy) and the outbox event. Keys drawn ahead for a creation cover these.
ROWS_AT_MOST = (
    (Case, 1),
    (SlaClock, len(set(SlaTargetKind) - STARTS_ON_RESOLUTION - STARTS_ON_EVENT)),
    (SlaClockEvent, len(set(SlaTargetKind) - STARTS_ON_RESOLUTION - STARTS_ON_EVENT)),
    (CaseEvent, 3),
    (NotificationEvent, 1),
)


def _insert_new_case(
    case: Case,
    clocks: list[SlaClock],
    clock_events: list[SlaClockEvent],
    timeline: list[CaseEvent],
    *,
    by: User,
    now: datetime,
    reserved: Reservation | None = None,
) -> None:
    """Number and insert a new case with its clocks, their events, its timeline and its outbox
    event (all in the caller's transaction). The case is saved (signals and all) where rows
    cannot be batched or a receiver listens for its saving."""
    if not batching_available() or _save_signals_connected():
        case.number = _allocate_number(now)
        case.search_grams = search_document(case)
        case.save(force_insert=True)
        SlaClock.objects.bulk_create(clocks)
        SlaClockEvent.objects.bulk_create(clock_events)
        CaseEvent.objects.bulk_create(timeline)
        notify.case_created(case=case, by=by, at=now)
        return
    # Two round trips: the number and every key (none when drawn ahead); then every row.
    counts = [
        (Case, 1),
        (SlaClock, len(clocks)),
        (SlaClockEvent, len(clock_events)),
        (CaseEvent, len(timeline)),
        (NotificationEvent, 1),
    ]
    taken = reserved.take(now, counts) if reserved is not None else None
    case.number, (case_keys, clock_keys, clock_event_keys, timeline_keys, outbox_keys) = (
        taken or allocate_number_and_keys(now, counts)
    )
    case.pk = case_keys[0]
    for rows, keys in (
        (clocks, clock_keys),
        (clock_events, clock_event_keys),
        (timeline, timeline_keys),
    ):
        for row, key in zip(rows, keys, strict=True):
            row.pk = key
    case.search_grams = search_document(case)
    outbox = notify.case_created_event(case=case, by=by, at=now)
    outbox.pk = outbox_keys[0]
    insert_together(
        [[case], clocks, clock_events, timeline, [outbox]],
        ignore_conflicts=[False, False, False, False, True],
    )
    notify.events_inserted([outbox])


def _save_signals_connected() -> bool:
    return pre_save.has_listeners(Case) or post_save.has_listeners(Case)


def _auto_assign(team: Team) -> tuple[User | None, str]:
    """Pick an assignee for a case given to ``team`` (locking the team so that concurrent cases
    take turns) and return it with the timeline note that says how it was chosen."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    picked = team_pick_assignee(team)
    if picked is None:
        return None, ""
    team.last_assigned = picked
    team.save(update_fields=["last_assigned", "updated_at"])
    return picked, _("Assigned automatically by team %(team)s (%(how)s).") % {
        "team": team.name,
        "how": team.get_assignment_display(),
    }


def request_fingerprint(data: Any) -> str:
    """Return a stable hash of a request body, to tell a retry from a different request."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def case_create_idempotent(
    *, key: str, fingerprint: str, by: User, **fields: Any
) -> tuple[Case, bool]:
    """Create a case once per ``(by, key)``; a retry returns the first case and ``False``.

    Raises Conflict when the key was used for a different request, and whatever ``case_create``
    raises.
    """
    if not key or len(key) > 200:
        raise ValidationFailed(
            _("An Idempotency-Key must have 1 to 200 characters."), field="idempotency_key"
        )
    existing = _idempotent_lookup(by=by, key=key, fingerprint=fingerprint)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            case = case_create(by=by, **fields)
            IdempotencyRecord.objects.create(
                user=by, key=key, fingerprint=fingerprint, case=case, created_at=clock.now()
            )
    except IntegrityError:
        # A concurrent request with the same key won the race and committed first.
        existing = _idempotent_lookup(by=by, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return case, True


def _idempotent_lookup(*, by: User, key: str, fingerprint: str) -> Case | None:
    record = IdempotencyRecord.objects.select_related("case").filter(user=by, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_mismatch",
        )
    return record.case


@transaction.atomic
def idempotency_records_purge(*, older_than: datetime) -> int:
    """Delete idempotency keys created before ``older_than``; return how many."""
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=older_than).delete()
    return deleted


@transaction.atomic
def case_update(
    *, case: Case, by: User, changes: dict[str, Any], expected_version: int | None = None
) -> Case:
    """Change descriptive and assignment fields of ``case``; one timeline event per field.

    ``expected_version`` is the version the caller's copy was read at: if the case has changed
    since, nothing is written and Conflict is raised.

    Raises NotAllowed, Conflict, ValidationFailed.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            errors={f: [_("This field cannot be changed here.")] for f in sorted(unknown)}
        )
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    case = _lock(case, expected_version)
    if "case_type" in changes:
        _check_choice("case_type", changes["case_type"], CaseType)
    if "channel" in changes:
        _check_choice("channel", changes["channel"], CaseChannel)
    if "severity" in changes:
        _check_choice("severity", changes["severity"], CaseSeverity)
    if "summary" in changes:
        changes["summary"] = _check_text(
            "summary", changes["summary"], max_length=200, required=True
        )
    if "description" in changes:
        changes["description"] = _check_text("description", changes["description"])
    if "assignee" in changes:
        _check_assignee(changes["assignee"])
    auto_note = ""
    if changes.get("team") is not None and "assignee" not in changes and case.assignee_id is None:
        picked, auto_note = _auto_assign(changes["team"])
        if picked is not None:
            changes["assignee"] = picked
    if "cause" in changes:
        changes["cause"] = _check_text("cause", changes["cause"] or "")
    if "asset" in changes and "contract" not in changes and changes["asset"] is not None:
        # A case moved to another unit is covered by that unit's contract.
        changes["contract"] = changes["asset"].contract
    target = {
        f: changes.get(f, getattr(case, f))
        for f in ("customer", "asset", "contact", "site", "contract")
    }
    _check_relations(**target)

    now = clock.now()
    changed: list[str] = []
    for field in EDITABLE_FIELDS:
        if field not in changes:
            continue
        old, new = getattr(case, field), changes[field]
        if old == new:
            continue
        setattr(case, field, new)
        changed.append(field)
        record_event(
            case,
            CaseEventKind.FIELD_CHANGED,
            by=by,
            at=now,
            field=field,
            old_value=_display(old),
            new_value=_display(new),
            note=auto_note if field == "assignee" else "",
        )
    if not changed:
        return case
    update = [*changed, "version", "updated_at"]
    if SEARCH_FIELDS & set(changed):
        case.search_grams = search_document(case)
        update.append("search_grams")
    if "cause" in changed and case.cause.strip() and case.cause_confirmed_at is None:
        case.cause_confirmed_at = now
        update.append("cause_confirmed_at")
    case.version = F("version") + 1
    case.save(update_fields=update)
    case.refresh_from_db(fields=["version"])
    sla_changes = [f for f in changed if f in SLA_FIELDS]
    if sla_changes:
        events = case.events.filter(kind=CaseEventKind.FIELD_CHANGED, at=now, field__in=sla_changes)
        reason = "; ".join(
            f"{e.field}: {e.old_value or '—'} → {e.new_value or '—'}" for e in events
        )
        sla.sla_recompute(case=case, by=by, reason=reason, now=now)
    if "cause_confirmed_at" in update:
        sla.sla_meet(
            case=case, targets=["confirm"], by=by, at=now, reason=_("fault cause recorded")
        )
    return case


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to: str,
    by: User,
    note: str = "",
    public: bool = True,
    expected_version: int | None = None,
) -> Case:
    """Move ``case`` to status ``to`` along the lifecycle table (``cases.transitions``).

    Moving to ``resolved`` needs a resolution note, which becomes the case's resolution. Moving
    back to work from ``resolved`` or ``closed`` is a reopening and is counted. The move, its note
    and the actor go to the timeline.

    Raises InvalidTransition (with the allowed statuses), NotAllowed, ValidationFailed, Conflict.
    """
    _check_choice("status", to, CaseStatus)
    case = _lock(case, expected_version)
    note = _check_text("note", note)
    from_status = case.status
    allowed = transitions.allowed_from(from_status)
    if to not in allowed:
        raise InvalidTransition(
            _("A case cannot move from “%(from)s” to “%(to)s”.")
            % {"from": CaseStatus(from_status).label, "to": CaseStatus(to).label},
            allowed=allowed,
        )
    if not can_transition(case, to, by):
        raise NotAllowed(_("You may not make this change to the case."))
    if to == CaseStatus.RESOLVED and not note.strip():
        raise ValidationFailed(_("Describe how the problem was resolved."), field="note")

    now = clock.now()
    reopening = (from_status, to) in transitions.REOPENING
    update = ["status", "version", "updated_at"]
    case.status = to
    if from_status == CaseStatus.NEW and case.responded_at is None:
        case.responded_at = now
        update.append("responded_at")
    if to == CaseStatus.RESOLVED:
        case.resolved_at = now
        case.resolution = note.strip()
        update += ["resolved_at", "resolution"]
    elif to == CaseStatus.CLOSED:
        case.closed_at = now
        update.append("closed_at")
    if reopening:
        case.resolved_at = None
        case.closed_at = None
        case.reopen_count = F("reopen_count") + 1
        update += ["resolved_at", "closed_at", "reopen_count"]
    case.version = F("version") + 1
    case.save(update_fields=update)
    case.refresh_from_db(fields=["version", "reopen_count"])
    record_event(
        case,
        CaseEventKind.REOPENED if reopening else CaseEventKind.STATUS_CHANGED,
        by=by,
        at=now,
        from_status=from_status,
        to_status=to,
        note=note,
        is_public=public or by.is_customer_contact,
    )
    sla.sla_on_transition(
        case=case, from_status=from_status, to_status=to, by=by, at=now, reopening=reopening
    )
    notify.case_transitioned(
        case=case,
        from_status=from_status,
        to_status=to,
        by=by,
        at=now,
        note=note,
        public=public or by.is_customer_contact,
        first_response="responded_at" in update,
        reopening=reopening,
    )
    return case


@transaction.atomic
def case_comment(*, case: Case, by: User, body: str, public: bool = True) -> Comment:
    """Add a public reply or an internal note to ``case``.

    Customer contacts always write public comments. The first public reply from staff counts as
    the response to the customer.

    Raises NotAllowed, ValidationFailed.
    """
    if not has_capability(by, Capability.COMMENT_CASES):
        raise NotAllowed(_("You may not comment on cases."))
    ensure_can_view(user=by, case=case)
    if not public and not has_capability(by, Capability.INTERNAL_COMMENTS):
        raise ValidationFailed(_("You may only write public comments."), field="public")
    body = _check_text("body", body, required=True)
    now = clock.now()
    comment = Comment.objects.create(
        case=case, author=by, body=body, is_public=public, created_at=now
    )
    record_event(case, CaseEventKind.COMMENTED, by=by, at=now, comment=comment, is_public=public)
    if public and by.is_service_staff:
        first_response = case.responded_at is None
        if case.responded_at is None:
            Case.objects.filter(pk=case.pk, responded_at__isnull=True).update(responded_at=now)
            case.responded_at = now
        sla.sla_on_public_reply(case=case, by=by, at=now)
        notify.case_replied(
            case=case, comment=comment, by=by, at=now, first_response=first_response
        )
    return comment
