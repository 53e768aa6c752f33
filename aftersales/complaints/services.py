"""Every change to a complaint: register it, name its subject, investigate, conclude (upheld or
not), request and approve compensation, answer the customer.

Each function checks who acts, locks the complaint, writes the case timeline (investigation
internal; the answer and approved compensation public) and moves the case through
``cases.services.case_transition``. The resolution deadline is the ``restore`` clock of the
shipped ``complaint`` SLA policy, which every complaint case gets by its type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import transitions as case_transitions
from aftersales.cases.choices import CaseChannel, CaseEventKind, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case
from aftersales.cases.services import case_create, case_transition, record_event
from aftersales.catalog.models import Asset, Product
from aftersales.complaints.choices import (
    CompensationKind,
    CompensationState,
    ComplaintOutcome,
    ComplaintSubject,
)
from aftersales.complaints.models import Complaint
from aftersales.core import clock
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from aftersales.customers.models import Contact, Customer

DECIDING_ROLES = frozenset({UserRole.ADMIN, UserRole.SUPERVISOR})
MAX_TEXT = 20000
_UNSET: Any = object()


def can_decide(user: Any) -> bool:
    """Return whether ``user`` may conclude complaints and approve compensation (supervisors)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or user.role in DECIDING_ROLES


def can_work(user: Any) -> bool:
    """Return whether ``user`` may investigate, request compensation and answer."""
    return has_capability(user, Capability.WORK_CASES)


def _text(field: str, value: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field may not be blank."), field=field)
    if len(value) > limit:
        raise ValidationFailed(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit},
            field=field,
        )
    return value


def _choice(field: str, value: str, choices: type) -> None:
    if value not in choices.values:
        raise ValidationFailed(
            _("“%(value)s” is not a valid choice.") % {"value": value}, field=field
        )


def _check_subject(subject_kind: str, product: Product | None, person: User | None) -> None:
    _choice("subject_kind", subject_kind, ComplaintSubject)
    if person is not None and not person.is_service_staff:
        raise ValidationFailed(
            _("A complaint about a person names a member of our staff."), field="person"
        )
    if subject_kind != ComplaintSubject.PERSON and person is not None:
        raise ValidationFailed(
            _("Name a person only for a complaint about a person."), field="person"
        )
    if subject_kind != ComplaintSubject.PRODUCT and product is not None:
        raise ValidationFailed(
            _("Name a product only for a complaint about a product."), field="product"
        )


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Give the amount as a number."), field="amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(_("The amount cannot be negative."), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Give the amount with at most 2 decimals."), field="amount")
    if amount >= Decimal("10000000000"):
        raise ValidationFailed(_("The amount is too large."), field="amount")
    return amount.quantize(Decimal("0.01"))


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("case").get(pk=complaint.pk)


def _event(complaint: Complaint, *, by: User, field: str, value: str, note: str, public: bool):
    record_event(
        complaint.case,
        CaseEventKind.COMPLAINT,
        by=by,
        field=field,
        new_value=value,
        note=" ".join(p for p in (f"{value}." if value else "", note) if p),
        is_public=public,
    )


def _case_to(case: Case, to: str, *, by: User, note: str = "") -> None:
    """Move the case toward ``to`` if its lifecycle lets it (a new case is responded to first)."""
    case.refresh_from_db(fields=["status", "version"])
    if case.status == to:
        return
    if to not in case_transitions.allowed_from(case.status):
        if case.status != CaseStatus.NEW or to not in case_transitions.allowed_from(
            CaseStatus.RESPONDED
        ):
            return
        case_transition(case=case, to=CaseStatus.RESPONDED, by=by)
    case_transition(case=case, to=to, by=by, note=note)
    case.refresh_from_db()


@transaction.atomic
def complaint_create(
    *,
    by: User,
    customer: Customer,
    subject_kind: str,
    summary: str,
    description: str = "",
    product: Product | None = None,
    person: User | None = None,
    asset: Asset | None = None,
    contact: Contact | None = None,
    channel: str | None = None,
    severity: str = CaseSeverity.C3,
    reported_at: datetime | None = None,
) -> Complaint:
    """Register a complaint as a case of type ``complaint`` from any channel.

    A customer contact may complain only for their own organisation and may not name a person
    (they describe them; staff set the person while investigating). A complaint about a unit is
    about its product unless another product is named.

    Raises NotAllowed, ValidationFailed.
    """
    if by.is_customer_contact and person is not None:
        raise ValidationFailed(
            _("Describe the person in your complaint; we identify them."), field="person"
        )
    if asset is not None and product is None and subject_kind == ComplaintSubject.PRODUCT:
        product = asset.product
    _check_subject(subject_kind, product, person)
    case = case_create(
        by=by,
        customer=customer,
        case_type=CaseType.COMPLAINT,
        channel=channel or (CaseChannel.WEB if by.is_customer_contact else CaseChannel.API),
        severity=severity,
        summary=summary,
        description=description,
        asset=asset,
        contact=contact,
        reported_at=reported_at,
    )
    complaint = Complaint.objects.create(
        case=case,
        subject_kind=subject_kind,
        product=product,
        person=person,
        complained_at=case.reported_at,
    )
    return complaint


@transaction.atomic
def complaint_subject_set(
    *,
    complaint: Complaint,
    by: User,
    subject_kind: str,
    product: Product | None = None,
    person: User | None = None,
) -> Complaint:
    """Correct what the complaint is about (e.g. name the person the customer described).

    Raises NotAllowed, ValidationFailed, Conflict (after the outcome is decided).
    """
    if not can_work(by):
        raise NotAllowed(_("You may not change complaints."))
    _check_subject(subject_kind, product, person)
    complaint = _lock(complaint)
    if complaint.outcome != ComplaintOutcome.PENDING:
        raise Conflict(
            _("The outcome is decided; the subject can no longer change."), code="concluded"
        )
    complaint.subject_kind = subject_kind
    complaint.product = product
    complaint.person = person
    complaint.save()
    target = person.get_username() if person else (product.code if product else "")
    _event(
        complaint,
        by=by,
        field="complaint_subject",
        value=f"{ComplaintSubject(subject_kind).label} {target}".strip(),
        note="",
        public=False,
    )
    return complaint


@transaction.atomic
def complaint_investigate(
    *, complaint: Complaint, by: User, notes: str = _UNSET, root_cause: str = _UNSET
) -> Complaint:
    """Write the investigation notes (internal) and the root cause found so far.

    The first investigation moves a new case to diagnosing.

    Raises NotAllowed, ValidationFailed, Conflict (after the answer).
    """
    if not can_work(by):
        raise NotAllowed(_("You may not investigate complaints."))
    if notes is _UNSET and root_cause is _UNSET:
        raise ValidationFailed(_("Write notes or a root cause."), field="notes")
    complaint = _lock(complaint)
    if complaint.answered_at is not None:
        raise Conflict(_("The complaint has been answered."), code="answered")
    changed = []
    if notes is not _UNSET:
        complaint.investigation_notes = _text("notes", notes)
        changed.append(complaint.investigation_notes)
    if root_cause is not _UNSET:
        complaint.root_cause = _text("root_cause", root_cause)
        changed.append(_("Root cause: %(cause)s") % {"cause": complaint.root_cause})
    complaint.save()
    _event(
        complaint,
        by=by,
        field="complaint_investigation",
        value=_("Investigation"),
        note="\n".join(c for c in changed if c),
        public=False,
    )
    if complaint.case.status == CaseStatus.NEW:
        case_transition(case=complaint.case, to=CaseStatus.DIAGNOSING, by=by, public=False)
    return complaint


@transaction.atomic
def complaint_conclude(
    *, complaint: Complaint, by: User, at_fault: bool, root_cause: str = ""
) -> Complaint:
    """Decide whether the company was at fault: the complaint is upheld or not upheld.

    May be revised until the customer is answered, but not to "not at fault" once compensation
    was requested.

    Raises NotAllowed (supervisors only), ValidationFailed (no root cause), Conflict.
    """
    if not can_decide(by):
        raise NotAllowed(_("Only supervisors decide the outcome of complaints."))
    complaint = _lock(complaint)
    root_cause = _text("root_cause", root_cause or complaint.root_cause, required=True)
    if complaint.answered_at is not None:
        raise Conflict(_("The complaint has been answered."), code="answered")
    if not at_fault and complaint.compensation_state != CompensationState.NONE:
        raise Conflict(
            _("Compensation was requested, so the company was at fault."),
            code="compensation_requested",
        )
    complaint.root_cause = root_cause
    complaint.is_company_at_fault = bool(at_fault)
    complaint.outcome = ComplaintOutcome.UPHELD if at_fault else ComplaintOutcome.NOT_UPHELD
    complaint.concluded_by = by
    complaint.concluded_at = clock.now()
    complaint.save()
    _event(
        complaint,
        by=by,
        field="complaint_outcome",
        value=str(ComplaintOutcome(complaint.outcome).label),
        note=_("Root cause: %(cause)s") % {"cause": root_cause},
        public=False,
    )
    return complaint


@transaction.atomic
def complaint_compensation_request(
    *, complaint: Complaint, by: User, kind: str, amount: Any, note: str = ""
) -> Complaint:
    """Propose compensation for an upheld complaint; a supervisor approves it.

    Raises NotAllowed, ValidationFailed (kind, amount >= 0 with 2 decimals), Conflict (not at
    fault, already approved, answered).
    """
    if not can_work(by):
        raise NotAllowed(_("You may not propose compensation."))
    _choice("kind", kind, CompensationKind)
    amount = _amount(amount)
    note = _text("note", note, limit=4000)
    complaint = _lock(complaint)
    if complaint.is_company_at_fault is not True:
        raise Conflict(
            _("Compensation is given only when the company was at fault."), code="not_at_fault"
        )
    if complaint.compensation_state == CompensationState.APPROVED:
        raise Conflict(_("Compensation is already approved."), code="compensation_approved")
    if complaint.answered_at is not None:
        raise Conflict(_("The complaint has been answered."), code="answered")
    complaint.compensation_state = CompensationState.REQUESTED
    complaint.compensation_kind = kind
    complaint.compensation_amount = amount
    complaint.compensation_note = note
    complaint.compensation_requested_by = by
    complaint.compensation_requested_at = clock.now()
    complaint.compensation_decided_by = None
    complaint.compensation_decided_at = None
    complaint.save()
    _event(
        complaint,
        by=by,
        field="compensation",
        value=f"{CompensationKind(kind).label} {amount:.2f}",
        note=note,
        public=False,
    )
    return complaint


@transaction.atomic
def complaint_compensation_decide(
    *, complaint: Complaint, by: User, approve: bool, note: str = ""
) -> Complaint:
    """Approve or refuse the requested compensation; approved compensation is shown to the
    customer.

    Raises NotAllowed (supervisors only), InvalidTransition (nothing requested).
    """
    if not can_decide(by):
        raise NotAllowed(_("Only supervisors approve compensation."))
    note = _text("note", note, limit=4000)
    complaint = _lock(complaint)
    if complaint.compensation_state != CompensationState.REQUESTED:
        raise InvalidTransition(
            _("There is no compensation awaiting approval."), allowed=[CompensationState.REQUESTED]
        )
    complaint.compensation_state = (
        CompensationState.APPROVED if approve else CompensationState.REJECTED
    )
    complaint.compensation_decided_by = by
    complaint.compensation_decided_at = clock.now()
    if note:
        complaint.compensation_note = "\n".join(filter(None, [complaint.compensation_note, note]))
    complaint.save()
    label = CompensationKind(complaint.compensation_kind).label
    _event(
        complaint,
        by=by,
        field="compensation",
        value=str(CompensationState(complaint.compensation_state).label),
        note=(
            _("Compensation: %(kind)s, %(amount)s.")
            % {"kind": label, "amount": f"{complaint.compensation_amount:.2f}"}
            if approve
            else note
        ),
        public=bool(approve),
    )
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, by: User, answer: str) -> Complaint:
    """Answer the customer (public) and resolve the case; this meets the resolution deadline.

    Needs a decided outcome and no compensation awaiting approval.

    Raises NotAllowed, ValidationFailed, Conflict.
    """
    if not can_work(by):
        raise NotAllowed(_("You may not answer complaints."))
    answer = _text("answer", answer, required=True, limit=settings.CASES_MAX_TEXT_LENGTH)
    complaint = _lock(complaint)
    if complaint.outcome == ComplaintOutcome.PENDING:
        raise Conflict(
            _("Decide whether the complaint is upheld before answering."), code="not_concluded"
        )
    if complaint.compensation_state == CompensationState.REQUESTED:
        raise Conflict(
            _("The compensation awaits a supervisor's approval."), code="compensation_pending"
        )
    if complaint.answered_at is not None:
        raise Conflict(_("The complaint has been answered."), code="answered")
    complaint.answer = answer
    complaint.answered_by = by
    complaint.answered_at = clock.now()
    complaint.save()
    _event(complaint, by=by, field="complaint_answer", value=_("Answer"), note=answer, public=True)
    _case_to(complaint.case, CaseStatus.RESOLVED, by=by, note=answer)
    return complaint


@transaction.atomic
def complaint_attach(
    *,
    case: Case,
    by: User,
    subject_kind: str,
    product: Product | None = None,
    person: User | None = None,
) -> Complaint:
    """Record the complaint details of a ``complaint`` case opened without them (e.g. from the
    general request form or the console's new-case page).

    Raises NotAllowed (case workers only), ValidationFailed, Conflict (already recorded, or a case
    of another type).
    """
    if not can_work(by):
        raise NotAllowed(_("You may not change complaints."))
    _check_subject(subject_kind, product, person)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.case_type != CaseType.COMPLAINT:
        raise Conflict(_("This case is not a complaint."), code="wrong_case_type")
    if Complaint.objects.filter(case=case).exists():
        raise Conflict(_("The complaint details are already recorded."), code="exists")
    complaint = Complaint.objects.create(
        case=case,
        subject_kind=subject_kind,
        product=product,
        person=person,
        complained_at=case.reported_at,
    )
    target = person.get_username() if person else (product.code if product else "")
    _event(
        complaint,
        by=by,
        field="complaint_subject",
        value=f"{ComplaintSubject(subject_kind).label} {target}".strip(),
        note="",
        public=False,
    )
    return complaint
