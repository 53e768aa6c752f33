"""Every change to a case: create, edit, move through the lifecycle, comment.

Views, the API, the admin, tasks and commands all call these functions. Each runs in one
transaction, locks the case it changes, writes its timeline event and bumps ``version``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Team, User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import transitions
from aftersales.cases.choices import CaseChannel, CaseEventKind, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case, CaseEvent, CaseNumberSequence, Comment, IdempotencyRecord
from aftersales.catalog.models import Asset, Contract
from aftersales.core import clock
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from aftersales.customers.models import Contact, Customer, Site
from aftersales.sla import services as sla

# Fields that ``case_update`` may change, in the order the timeline lists them.
EDITABLE_FIELDS = (
    "case_type",
    "channel",
    "severity",
    "summary",
    "description",
    "customer",
    "asset",
    "contact",
    "site",
    "contract",
    "assignee",
    "team",
    "cause",
)
# Changing any of these can change which service-level policy applies.
SLA_FIELDS = frozenset({"case_type", "severity", "customer", "asset", "contract"})
REPORTED_AT_FUTURE_TOLERANCE = timedelta(minutes=5)


# --- helpers ------------------------------------------------------------------------------------


def record_event(
    case: Case,
    kind: str,
    *,
    by: User | None,
    at: datetime | None = None,
    is_public: bool = True,
    **fields: Any,
) -> CaseEvent:
    """Append one event to ``case``'s timeline."""
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=by, at=at or clock.now(), is_public=is_public, **fields
    )


def _display(value: Any) -> str:
    """Return how a field value is written in the timeline (natural keys for objects)."""
    if value is None:
        return ""
    for attr in ("number", "serial_number", "code", "username"):
        if hasattr(value, attr):
            return str(getattr(value, attr))
    if isinstance(value, Contact | Site):
        return f"{value.name} (#{value.pk})"
    return str(value)


def _allocate_number(at: datetime) -> str:
    """Return the next case number for the year of ``at``, unique under concurrency.

    PostgreSQL hands out numbers from a per-year sequence (no lock held until commit, so creation
    scales with workers); elsewhere a counter row is incremented, which the database serialises.
    Numbers of rolled-back cases are not reused.
    """
    year = timezone.localtime(at).year
    if connection.vendor == "postgresql":
        serial = _postgres_next(year)
    else:
        updated = CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    CaseNumberSequence.objects.create(year=year, last=1)
            except IntegrityError:
                CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        serial = CaseNumberSequence.objects.values_list("last", flat=True).get(year=year)
    prefix = settings.CASES_NUMBER_PREFIX
    return f"{prefix}-{year}-{serial:06d}"


# Migration cases/0002 creates these years' sequences; others are created on first use.
_PREMADE_SEQUENCE_YEARS = range(2000, 2101)


def _postgres_next(year: int) -> int:
    name = f"cases_case_number_{int(year)}"
    with connection.cursor() as cursor:
        if year not in _PREMADE_SEQUENCE_YEARS:
            with transaction.atomic():
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")  # int year, no injection
        cursor.execute("SELECT nextval(%s)", [name])
        return int(cursor.fetchone()[0])


def _check_text(
    field: str, value: str, *, max_length: int | None = None, required: bool = False
) -> str:
    value = (value or "").strip() if required else (value or "")
    if required and not value:
        raise ValidationFailed(_("This field may not be blank."), field=field)
    limit = max_length or settings.CASES_MAX_TEXT_LENGTH
    if len(value) > limit:
        raise ValidationFailed(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit},
            field=field,
        )
    return value


def _check_relations(
    *,
    customer: Customer,
    asset: Asset | None,
    contact: Contact | None,
    site: Site | None,
    contract: Contract | None,
) -> None:
    errors: dict[str, list[Any]] = {}
    if asset is not None and asset.customer_id != customer.pk:
        errors["asset"] = [_("This asset belongs to another customer.")]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("This contact belongs to another customer.")]
    if site is not None and site.customer_id != customer.pk:
        errors["site"] = [_("This site belongs to another customer.")]
    if contract is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    if errors:
        raise ValidationFailed(errors=errors)


def validate_case_references(
    *,
    customer: Customer,
    asset: Asset | None = None,
    contact: Contact | None = None,
    site: Site | None = None,
    contract: Contract | None = None,
    assignee: User | None = None,
) -> None:
    """Check that a case's references belong to its customer and its assignee is active staff.

    Raises ValidationFailed naming the offending fields.
    """
    _check_relations(customer=customer, asset=asset, contact=contact, site=site, contract=contract)
    _check_assignee(assignee)


def _check_choice(field: str, value: str, choices: type) -> None:
    if value not in choices.values:
        raise ValidationFailed(
            _("“%(value)s” is not a valid choice.") % {"value": value}, field=field
        )


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not assignee.is_service_staff:
        raise ValidationFailed(_("Cases can only be assigned to active staff."), field="assignee")


def ensure_can_view(*, user: User, case: Case) -> None:
    """Raise ``NotAllowed`` unless ``user`` may see ``case``."""
    if has_capability(user, Capability.VIEW_ALL):
        return
    if user.is_customer_contact and user.customer_id == case.customer_id:
        return
    raise NotAllowed(_("You may not see this case."))


# --- create -------------------------------------------------------------------------------------


@transaction.atomic
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
) -> Case:
    """Register a new case and start its clocks at ``reported_at`` (default: now).

    The contract and site default to the asset's. A customer contact may open cases only for their
    own organisation and may not assign them.

    Raises NotAllowed, ValidationFailed.
    """
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
        raise ValidationFailed(_("The report time cannot be in the future."), field="reported_at")
    if asset is not None:
        contract = contract or asset.contract
        site = site or asset.site
    _check_relations(customer=customer, asset=asset, contact=contact, site=site, contract=contract)
    _check_assignee(assignee)

    case = Case(
        number=_allocate_number(now),
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
    sla.sla_plan(case=case, now=now)
    case.save(force_insert=True)
    timeline = [
        CaseEvent(
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
            CaseEvent(
                case=case,
                kind=CaseEventKind.FIELD_CHANGED,
                actor=by,
                at=now,
                field="assignee",
                new_value=_display(assignee),
            )
        )
    sla.sla_start(case=case, by=by, now=now, timeline=timeline)
    CaseEvent.objects.bulk_create(timeline)
    return case


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


# --- edit ---------------------------------------------------------------------------------------


def _lock(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(
            _("Someone else changed this case; reload it and apply your change again."),
            code="stale_version",
            current_version=locked.version,
        )
    return locked


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
        )
    if not changed:
        return case
    update = [*changed, "version", "updated_at"]
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
def case_record_arrival(*, case: Case, by: User, arrived_at: datetime | None = None) -> Case:
    """Record that an engineer arrived on site; this meets the on-site target.

    Raises NotAllowed, ValidationFailed (an arrival in the future or before the report).
    """
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    case = _lock(case, None)
    now = clock.now()
    arrived_at = arrived_at or now
    if timezone.is_naive(arrived_at):
        arrived_at = timezone.make_aware(arrived_at)
    if arrived_at > now + REPORTED_AT_FUTURE_TOLERANCE:
        raise ValidationFailed(_("The arrival time cannot be in the future."), field="arrived_at")
    if arrived_at < case.reported_at:
        raise ValidationFailed(
            _("The arrival cannot be before the case was reported."), field="arrived_at"
        )
    old = case.arrived_at
    case.arrived_at = arrived_at
    case.version = F("version") + 1
    case.save(update_fields=["arrived_at", "version", "updated_at"])
    case.refresh_from_db(fields=["version"])
    record_event(
        case,
        CaseEventKind.FIELD_CHANGED,
        by=by,
        at=now,
        field="arrived_at",
        old_value=old.isoformat() if old else "",
        new_value=arrived_at.isoformat(),
    )
    if old is None:
        sla.sla_meet(
            case=case, targets=["onsite"], by=by, at=arrived_at, reason=_("engineer arrived")
        )
    return case


@transaction.atomic
def case_escalate(*, case: Case, by: User, reason: str) -> Any:
    """Escalate ``case`` by hand to the next rung of its severity's ladder.

    Staff may escalate any case they can see; a customer contact only their organisation's C-1
    cases (C-2 and C-3 faults are escalated by the project's technical staff).

    Raises NotAllowed, ValidationFailed.
    """
    ensure_can_view(user=by, case=case)
    reason = _check_text("reason", reason, max_length=2000, required=True)
    if by.is_customer_contact:
        if case.severity != CaseSeverity.C1:
            raise NotAllowed(
                _(
                    "Customers may escalate only C-1 cases themselves; C-2 and C-3 cases are "
                    "escalated by our technical staff. Please add a comment instead."
                )
            )
    elif not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not escalate cases."))
    case = _lock(case, None)
    now = clock.now()
    escalation = sla.escalation_create_manual(case=case, by=by, reason=reason, at=now)
    record_event(
        case,
        CaseEventKind.ESCALATED,
        by=by,
        at=now,
        note=reason,
        is_public=by.is_customer_contact,
        data={"level": escalation.level, "recipients": escalation.recipients, "manual": True},
    )
    return escalation


@transaction.atomic
def case_sla_reapply(*, case: Case, by: User) -> bool:
    """Apply the current service-level policies to ``case`` again (an explicit action: policy
    edits never rewrite running clocks by themselves). Return whether any clock changed."""
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    case = _lock(case, None)
    return sla.sla_recompute(case=case, by=by, reason=_("policy re-applied"))


# --- lifecycle ----------------------------------------------------------------------------------


def can_transition(case: Case, to: str, user: User) -> bool:
    """Return whether ``user`` may move ``case`` to ``to`` now (drives UI buttons)."""
    if to not in transitions.allowed_from(case.status):
        return False
    if has_capability(user, Capability.WORK_CASES):
        return True
    return (
        user.is_customer_contact
        and user.customer_id == case.customer_id
        and (case.status, to) in transitions.CUSTOMER_ALLOWED
    )


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
    return case


# --- comments -----------------------------------------------------------------------------------


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
        if case.responded_at is None:
            Case.objects.filter(pk=case.pk, responded_at__isnull=True).update(responded_at=now)
            case.responded_at = now
        sla.sla_on_public_reply(case=case, by=by, at=now)
    return comment
