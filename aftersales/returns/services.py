"""Every change to a return or exchange request: create it, override the policy's decision,
approve (RMA) or reject, record receipt and inspection of the goods, refund or exchange.

Each step is one function: it checks who acts, locks the request, refuses a step out of order
(``InvalidTransition``, 409, nothing changed), writes the case timeline and moves the case along
its lifecycle through ``cases.services.case_transition``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import transitions as case_transitions
from aftersales.cases.choices import CaseChannel, CaseEventKind, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case
from aftersales.cases.services import attachment_add, case_create, case_transition, record_event
from aftersales.catalog.models import Asset, Product
from aftersales.core import clock
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from aftersales.customers.models import Contact, Customer
from aftersales.returns import policy, transitions
from aftersales.returns.choices import ReturnKind, ReturnReason, ReturnStep
from aftersales.returns.models import ReturnRequest

# Roles that decide: approve, reject, override the policy.
DECIDING_ROLES = frozenset({UserRole.ADMIN, UserRole.SUPERVISOR})
# Roles that handle the goods: record their receipt and inspection.
GOODS_ROLES = frozenset(
    {
        UserRole.ADMIN,
        UserRole.SUPERVISOR,
        UserRole.AGENT,
        UserRole.PARTS_CLERK,
        UserRole.INSPECTOR,
    }
)
TIMELINE_FIELD = "return"
MAX_TEXT = 4000


def can_decide(user: Any) -> bool:
    """Return whether ``user`` may approve, reject or override return requests."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or user.role in DECIDING_ROLES


def can_handle_goods(user: Any) -> bool:
    """Return whether ``user`` may record the receipt and inspection of returned goods."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or user.role in GOODS_ROLES


def can_complete(user: Any) -> bool:
    """Return whether ``user`` may record the refund or the exchange (case workers)."""
    return has_capability(user, Capability.WORK_CASES)


def can_step(user: Any, rr: ReturnRequest, step: str) -> bool:
    """Return whether ``user`` may take ``rr`` to ``step`` now (drives the page's forms)."""
    if step not in transitions.allowed_from(rr.step):
        return False
    if step in (ReturnStep.APPROVED, ReturnStep.REJECTED):
        if step == ReturnStep.REJECTED and rr.step == ReturnStep.INSPECTED:
            return can_decide(user) and rr.inspection_passed is False
        return can_decide(user)
    if step in (ReturnStep.RECEIVED, ReturnStep.INSPECTED):
        return can_handle_goods(user)
    return can_complete(user) and rr.inspection_passed is True


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


def _timeline(
    rr: ReturnRequest, *, by: User | None, step_from: str, step_to: str, note: str, **data: Any
) -> None:
    """Write one step of ``rr`` to its case's timeline (public: the customer follows it)."""
    label = str(ReturnStep(step_to).label)
    record_event(
        rr.case,
        CaseEventKind.RETURN,
        by=by,
        field=TIMELINE_FIELD,
        old_value=str(ReturnStep(step_from).label) if step_from else "",
        new_value=label,
        note=f"{label}: {note}" if note else label,
        data={"return_step": step_to, **data},
    )


def _case_to(case: Case, to: str, *, by: User, note: str) -> None:
    """Move the case toward ``to`` if the lifecycle lets it (a new case is first responded to);
    a case already there, or closed by hand, is left as it is."""
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


def _lock(rr: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.select_for_update().select_related("case").get(pk=rr.pk)


def _check_step(rr: ReturnRequest, to: str) -> None:
    allowed = transitions.allowed_from(rr.step)
    if to not in allowed:
        raise InvalidTransition(
            _("A return in step “%(from)s” cannot go to “%(to)s”.")
            % {"from": ReturnStep(rr.step).label, "to": ReturnStep(to).label},
            allowed=allowed,
        )


def _check_goods(
    *,
    asset: Asset | None,
    order_reference: str,
    product: Product | None,
    quantity: int,
    delivered_on: date | None,
) -> dict[str, Any]:
    """Check the goods of a request (a unit, or an order line) and return their facts."""
    order_reference = _text("order_reference", order_reference, limit=64)
    if asset is not None:
        if order_reference or product is not None:
            raise ValidationFailed(
                _("Give either a unit or an order line, not both."), field="asset"
            )
        if delivered_on is not None:
            raise ValidationFailed(
                _("A unit's delivery date is taken from its record."), field="delivered_on"
            )
        return {
            "order_reference": "",
            "product": None,
            "quantity": 1,
            "delivered_on": asset.delivery_date,
            "label": asset.serial_number,
        }
    errors: dict[str, list[Any]] = {}
    if not order_reference:
        errors["order_reference"] = [_("Give the unit's serial number or the order reference.")]
    if product is None:
        errors["product"] = [_("Name the product of the order line.")]
    if not isinstance(quantity, int) or quantity < 1:
        errors["quantity"] = [_("The quantity must be at least 1.")]
    if errors:
        raise ValidationFailed(errors=errors)
    if delivered_on is not None and delivered_on > clock.today():
        raise ValidationFailed(
            _("The delivery date cannot be in the future."), field="delivered_on"
        )
    return {
        "order_reference": order_reference,
        "product": product,
        "quantity": quantity,
        "delivered_on": delivered_on,
        "label": f"{order_reference} · {product.code} × {quantity}",  # type: ignore[union-attr]
    }


def _open(
    *, case: Case, by: User, kind: str, reason: str, asset: Asset | None, goods: dict[str, Any]
) -> ReturnRequest:
    """Decide eligibility, store the request of ``case`` and write it to the timeline."""
    today = clock.today()
    decision = policy.evaluate(
        kind=kind, reason=reason, delivered_on=goods["delivered_on"], today=today
    )
    rr = ReturnRequest(
        case=case,
        kind=kind,
        reason=reason,
        asset=asset,
        order_reference=goods["order_reference"],
        product=goods["product"],
        quantity=goods["quantity"],
        delivered_on=goods["delivered_on"],
        is_eligible=decision.eligible,
        eligibility_rule=decision.rule,
        eligibility_explanation=decision.explanation,
        window_days=decision.window_days,
        requested_on=today,
    )
    rr.full_clean(exclude=["case"])
    rr.save()
    _timeline(
        rr,
        by=by,
        step_from="",
        step_to=ReturnStep.REQUESTED,
        note=(_("Eligible: %(text)s") if decision.eligible else _("Not eligible: %(text)s"))
        % {"text": decision.explanation},
        eligible=decision.eligible,
        rule=decision.rule,
    )
    return rr


@transaction.atomic
def return_request_create(
    *,
    by: User,
    customer: Customer,
    kind: str,
    reason: str,
    description: str = "",
    asset: Asset | None = None,
    order_reference: str = "",
    product: Product | None = None,
    quantity: int = 1,
    delivered_on: date | None = None,
    contact: Contact | None = None,
    channel: str | None = None,
    uploads: Iterable[Any] = (),
) -> ReturnRequest:
    """Open a return or exchange case for an asset or an order line and decide its eligibility.

    The delivery date is the asset's (``delivery_date``) or, for an order line, the one given.
    The policy's decision and its explanation are stored and written to the timeline. Photos go
    to the case as attachments.

    Raises NotAllowed, ValidationFailed.
    """
    _choice("kind", kind, ReturnKind)
    _choice("reason", reason, ReturnReason)
    description = _text("description", description, limit=settings.CASES_MAX_TEXT_LENGTH)
    goods = _check_goods(
        asset=asset,
        order_reference=order_reference,
        product=product,
        quantity=quantity,
        delivered_on=delivered_on,
    )
    case = case_create(
        by=by,
        customer=customer,
        case_type=CaseType.RETURN_EXCHANGE,
        channel=channel or (CaseChannel.WEB if by.is_customer_contact else CaseChannel.API),
        severity=CaseSeverity.C3,
        summary=f"{ReturnKind(kind).label}: {goods['label']} ({ReturnReason(reason).label})"[:200],
        description=description,
        asset=asset,
        contact=contact,
    )
    rr = _open(case=case, by=by, kind=kind, reason=reason, asset=asset, goods=goods)
    for upload in uploads:
        attachment_add(case=case, by=by, upload=upload)
    return rr


@transaction.atomic
def return_override(*, rr: ReturnRequest, by: User, eligible: bool, reason: str) -> ReturnRequest:
    """Override the policy's eligibility decision of a request not yet approved or rejected.

    Raises NotAllowed (supervisors only), ValidationFailed (no reason), InvalidTransition.
    """
    if not can_decide(by):
        raise NotAllowed(_("Only supervisors may override the returns policy."))
    reason = _text("reason", reason, required=True)
    rr = _lock(rr)
    if rr.step != ReturnStep.REQUESTED:
        raise InvalidTransition(
            _("The eligibility can be overridden only before the request is decided."),
            allowed=transitions.allowed_from(rr.step),
        )
    rr.is_eligible = bool(eligible)
    rr.is_overridden = True
    rr.override_reason = reason
    rr.overridden_by = by
    rr.overridden_at = clock.now()
    rr.save()
    record_event(
        rr.case,
        CaseEventKind.RETURN,
        by=by,
        field="return_eligible",
        new_value=_("eligible") if eligible else _("not eligible"),
        note=_("Policy decision overridden: %(reason)s") % {"reason": reason},
        data={"return_override": bool(eligible)},
    )
    return rr


def _next_rma_number(day: date) -> str:
    prefix = f"{settings.RETURNS_RMA_PREFIX}-{day:%Y%m%d}-"
    taken = ReturnRequest.objects.filter(rma_number__startswith=prefix).values_list(
        "rma_number", flat=True
    )
    last = max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


@transaction.atomic
def return_approve(*, rr: ReturnRequest, by: User, note: str = "") -> ReturnRequest:
    """Approve an eligible request and issue its RMA number (unique, ``RMA-YYYYMMDD-NNNN``).

    A request the policy found not eligible must be overridden first.

    Raises NotAllowed (supervisors only), InvalidTransition, Conflict (not eligible).
    """
    if not can_decide(by):
        raise NotAllowed(_("Only supervisors may approve returns."))
    note = _text("note", note)
    rr = _lock(rr)
    _check_step(rr, ReturnStep.APPROVED)
    if not rr.is_eligible:
        raise InvalidTransition(
            _(
                "This request is not eligible under the returns policy; override the decision "
                "with a reason first, or reject it."
            ),
            allowed=[ReturnStep.REJECTED],
        )
    now = clock.now()
    for _attempt in range(5):
        number = _next_rma_number(timezone.localdate(now))
        try:
            with transaction.atomic():
                ReturnRequest.objects.filter(pk=rr.pk).update(rma_number=number)
            break
        except IntegrityError:  # a concurrent approval took the number
            continue
    else:
        raise IntegrityError("could not allocate an RMA number")
    rr.rma_number = number
    rr.step = ReturnStep.APPROVED
    rr.decided_by = by
    rr.decided_at = now
    rr.save()
    _timeline(
        rr,
        by=by,
        step_from=ReturnStep.REQUESTED,
        step_to=ReturnStep.APPROVED,
        note=_("RMA number %(rma)s. Please send the goods with this number.") % {"rma": number}
        + (f"\n{note}" if note else ""),
        rma_number=number,
    )
    _case_to(rr.case, CaseStatus.IN_PROGRESS, by=by, note=_("Return approved."))
    return rr


@transaction.atomic
def return_reject(*, rr: ReturnRequest, by: User, reason: str) -> ReturnRequest:
    """Reject a request (before approval, after approval when the goods never came, or after a
    failed inspection); the reason is shown to the customer and the case is resolved with it.

    Raises NotAllowed (supervisors only), ValidationFailed, InvalidTransition.
    """
    if not can_decide(by):
        raise NotAllowed(_("Only supervisors may reject returns."))
    reason = _text("reason", reason, required=True)
    rr = _lock(rr)
    _check_step(rr, ReturnStep.REJECTED)
    if rr.step == ReturnStep.INSPECTED and rr.inspection_passed:
        raise InvalidTransition(
            _("The goods passed inspection; refund or exchange them."),
            allowed=[ReturnStep.REFUNDED, ReturnStep.EXCHANGED],
        )
    step_from = rr.step
    rr.step = ReturnStep.REJECTED
    rr.rejection_reason = reason
    if step_from == ReturnStep.REQUESTED:
        rr.decided_by = by
        rr.decided_at = clock.now()
    rr.save()
    _timeline(rr, by=by, step_from=step_from, step_to=ReturnStep.REJECTED, note=reason)
    _case_to(
        rr.case,
        CaseStatus.RESOLVED,
        by=by,
        note=_("Return or exchange rejected: %(reason)s") % {"reason": reason},
    )
    return rr


@transaction.atomic
def return_receive(
    *, rr: ReturnRequest, by: User, received_on: date, condition_notes: str = ""
) -> ReturnRequest:
    """Record that the goods of an approved request arrived, with the date and their condition.

    Raises NotAllowed, ValidationFailed (a date in the future or before approval),
    InvalidTransition.
    """
    if not can_handle_goods(by):
        raise NotAllowed(_("You may not record returned goods."))
    condition_notes = _text("condition_notes", condition_notes)
    rr = _lock(rr)
    _check_step(rr, ReturnStep.RECEIVED)
    if not isinstance(received_on, date):
        raise ValidationFailed(_("Give the date the goods arrived."), field="received_on")
    if received_on > clock.today():
        raise ValidationFailed(_("The receipt date cannot be in the future."), field="received_on")
    if rr.decided_at is not None and received_on < timezone.localdate(rr.decided_at):
        raise ValidationFailed(
            _("The goods cannot arrive before the return was approved."), field="received_on"
        )
    rr.step = ReturnStep.RECEIVED
    rr.received_on = received_on
    rr.condition_notes = condition_notes
    rr.received_by = by
    rr.save()
    _timeline(
        rr,
        by=by,
        step_from=ReturnStep.APPROVED,
        step_to=ReturnStep.RECEIVED,
        note=_("Received on %(date)s.") % {"date": received_on.isoformat()}
        + (f" {condition_notes}" if condition_notes else ""),
        received_on=received_on.isoformat(),
    )
    return rr


@transaction.atomic
def return_inspect(*, rr: ReturnRequest, by: User, passed: bool, findings: str) -> ReturnRequest:
    """Record the inspection of received goods: passed, or failed with findings.

    Raises NotAllowed, ValidationFailed (a failed inspection needs findings), InvalidTransition.
    """
    if not can_handle_goods(by):
        raise NotAllowed(_("You may not record inspections."))
    findings = _text("findings", findings, required=not passed)
    rr = _lock(rr)
    _check_step(rr, ReturnStep.INSPECTED)
    rr.step = ReturnStep.INSPECTED
    rr.inspection_passed = bool(passed)
    rr.inspection_findings = findings
    rr.inspected_by = by
    rr.inspected_at = clock.now()
    rr.save()
    verdict = _("Inspection passed.") if passed else _("Inspection failed.")
    _timeline(
        rr,
        by=by,
        step_from=ReturnStep.RECEIVED,
        step_to=ReturnStep.INSPECTED,
        note=f"{verdict} {findings}".strip(),
        passed=bool(passed),
    )
    return rr


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


def _check_complete(rr: ReturnRequest, by: User, step: str) -> None:
    if not can_complete(by):
        raise NotAllowed(_("You may not record refunds or exchanges."))
    _check_step(rr, step)
    if not rr.inspection_passed:
        raise InvalidTransition(
            _("The goods failed inspection; the request can only be rejected."),
            allowed=[ReturnStep.REJECTED],
        )


@transaction.atomic
def return_refund(*, rr: ReturnRequest, by: User, amount: Any, note: str = "") -> ReturnRequest:
    """Record the refund of goods that passed inspection, and resolve the case.

    Raises NotAllowed, ValidationFailed (amount), InvalidTransition.
    """
    amount = _amount(amount)
    note = _text("note", note)
    rr = _lock(rr)
    _check_complete(rr, by, ReturnStep.REFUNDED)
    rr.step = ReturnStep.REFUNDED
    rr.refund_amount = amount
    rr.completed_by = by
    rr.completed_at = clock.now()
    rr.save()
    text = _("Refunded %(amount)s.") % {"amount": f"{amount:.2f}"} + (f" {note}" if note else "")
    _timeline(
        rr,
        by=by,
        step_from=ReturnStep.INSPECTED,
        step_to=ReturnStep.REFUNDED,
        note=text,
        amount=f"{amount:.2f}",
    )
    _case_to(rr.case, CaseStatus.RESOLVED, by=by, note=text)
    return rr


@transaction.atomic
def return_exchange(
    *, rr: ReturnRequest, by: User, replacement_serial: str, note: str = ""
) -> ReturnRequest:
    """Record the replacement sent for goods that passed inspection, and resolve the case.

    Raises NotAllowed, ValidationFailed (no serial number), InvalidTransition.
    """
    replacement_serial = _text("replacement_serial", replacement_serial, required=True, limit=64)
    note = _text("note", note)
    rr = _lock(rr)
    _check_complete(rr, by, ReturnStep.EXCHANGED)
    rr.step = ReturnStep.EXCHANGED
    rr.replacement_serial = replacement_serial
    rr.completed_by = by
    rr.completed_at = clock.now()
    rr.save()
    text = _("Exchanged; replacement serial number %(serial)s.") % {
        "serial": replacement_serial
    } + (f" {note}" if note else "")
    _timeline(
        rr,
        by=by,
        step_from=ReturnStep.INSPECTED,
        step_to=ReturnStep.EXCHANGED,
        note=text,
        replacement_serial=replacement_serial,
    )
    _case_to(rr.case, CaseStatus.RESOLVED, by=by, note=text)
    return rr


@transaction.atomic
def return_request_attach(
    *,
    case: Case,
    by: User,
    kind: str,
    reason: str,
    order_reference: str = "",
    product: Product | None = None,
    quantity: int = 1,
    delivered_on: date | None = None,
) -> ReturnRequest:
    """Record the return details of a ``return_exchange`` case opened without them (e.g. from
    the general request form or by phone): the case's unit, or an order line.

    Raises NotAllowed (case workers only), ValidationFailed, Conflict (already recorded, or a
    case of another type).
    """
    if not can_complete(by):
        raise NotAllowed(_("You may not change cases."))
    _choice("kind", kind, ReturnKind)
    _choice("reason", reason, ReturnReason)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.case_type != CaseType.RETURN_EXCHANGE:
        raise Conflict(_("This case is not a return or exchange."), code="wrong_case_type")
    if ReturnRequest.objects.filter(case=case).exists():
        raise Conflict(_("The return details are already recorded."), code="exists")
    asset = case.asset if case.asset_id else None
    goods = _check_goods(
        asset=asset,
        order_reference="" if asset else order_reference,
        product=None if asset else product,
        quantity=quantity,
        delivered_on=None if asset else delivered_on,
    )
    return _open(case=case, by=by, kind=kind, reason=reason, asset=asset, goods=goods)
