"""Writes of the spare-parts app: catalogue, stock moves (stock and ledger in one transaction),
advance replacements and exchange repairs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.calendars.engine import CalendarSpec, add_working_time
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.selectors import calendar_spec
from aftersales.cases.choices import CaseEventKind
from aftersales.cases.services.common import record_event
from aftersales.core import clock
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from aftersales.parts.choices import (
    EXCHANGE_NEXT,
    Condition,
    ExchangeStatus,
    MoveKind,
    ReplacementStatus,
    RequestStatus,
)
from aftersales.parts.models import (
    Depot,
    ExchangeRepair,
    MinimumLevel,
    Part,
    Replacement,
    ReplenishmentRequest,
    SerialUnit,
    Stock,
    StockMovement,
)

C = Condition
K = MoveKind

# Which (from, to) condition pairs each kind of movement may make; "" is outside the depot.
MOVE_TABLE: dict[str, frozenset[tuple[str, str]]] = {
    K.RECEIPT: frozenset({("", C.GOOD)}),
    K.RESERVATION: frozenset({(C.GOOD, C.RESERVED)}),
    K.RELEASE: frozenset({(C.RESERVED, C.GOOD)}),
    K.SHIPMENT: frozenset({(C.RESERVED, ""), (C.GOOD, "")}),
    K.DELIVERY: frozenset({("", "")}),
    K.RETURN: frozenset({("", C.FAULTY)}),
    K.REPAIR: frozenset({(C.FAULTY, C.IN_REPAIR), (C.IN_REPAIR, C.GOOD)}),
    K.SCRAP: frozenset({(C.GOOD, C.SCRAPPED), (C.FAULTY, C.SCRAPPED), (C.IN_REPAIR, C.SCRAPPED)}),
    K.TRANSFER: frozenset({(c, c) for c in (C.GOOD, C.FAULTY)}),
    K.CORRECTION: frozenset({("", c) for c in C.values} | {(c, "") for c in C.values}),
    K.USE: frozenset({(C.GOOD, "")}),
}

WARNING_FRACTION = Decimal("0.75")
EXCHANGE_WORKING_HOURS = 72
RETURN_WORKING_DAYS = 10
REMIND_DAYS_BEFORE = 2  # a reminder at the close of the 8th working day
SAME_DAY_CUTOFF = time(14, 0)
NEXT_DAY_SHIP_TIME = time(12, 0)


def may_move_stock(user: Any) -> bool:
    """Parts clerks and administrators move stock."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.role in ("parts_clerk", "admin"))


def may_request_parts(user: Any) -> bool:
    """Those who work cases, and parts clerks, order replacements and exchange repairs."""
    return may_move_stock(user) or has_capability(user, Capability.WORK_CASES)


def _ensure(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_("Your role does not allow this."))


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed(_("Give a time with its time zone."), field=field)
    return value


# --- Catalogue -------------------------------------------------------------------------------


def depot_create(
    *,
    by: Any,
    code: str,
    name: str,
    region: Any = None,
    calendar: BusinessCalendar | str | None = None,
    address: str = "",
) -> Depot:
    _ensure(may_move_stock(by))
    code = (code or "").strip()
    if not code or not (name or "").strip():
        raise ValidationFailed(_("Give the depot's code and name."), field="code")
    if Depot.objects.filter(code=code).exists():
        raise ValidationFailed(_("A depot with this code exists."), field="code")
    if not isinstance(calendar, BusinessCalendar):
        calendar = BusinessCalendar.objects.filter(code=calendar or "cn-5x8").first()
        if calendar is None:
            raise ValidationFailed(_("Unknown calendar."), field="calendar")
    return Depot.objects.create(
        code=code, name=name.strip(), region=region, calendar=calendar, address=address
    )


def part_create(
    *,
    by: Any,
    part_number: str,
    name: str,
    serial_tracked: bool = False,
    unit_cost: Decimal | int = 0,
    substitutes: Iterable[Part] = (),
    compatible_products: Iterable[Any] = (),
) -> Part:
    _ensure(may_move_stock(by))
    part_number = (part_number or "").strip()
    if not part_number or not (name or "").strip():
        raise ValidationFailed(_("Give the part number and name."), field="part_number")
    if Part.objects.filter(part_number=part_number).exists():
        raise ValidationFailed(_("A part with this number exists."), field="part_number")
    if Decimal(unit_cost) < 0:
        raise ValidationFailed(_("The unit cost cannot be negative."), field="unit_cost")
    with transaction.atomic():
        part = Part.objects.create(
            part_number=part_number,
            name=name.strip(),
            serial_tracked=serial_tracked,
            unit_cost=unit_cost,
        )
        part.substitutes.set(list(substitutes))
        part.compatible_products.set(list(compatible_products))
    return part


MAX_MINIMUM = 1_000_000


def _check_minimum(minimum: Any) -> int:
    if isinstance(minimum, bool) or not isinstance(minimum, int) or not 0 <= minimum <= MAX_MINIMUM:
        raise ValidationFailed(
            _("The minimum must be a whole number from 0 to %(max)d.") % {"max": MAX_MINIMUM},
            field="minimum",
        )
    return minimum


def _lock_good_stock(depot: Depot, part: Part) -> None:
    """Lock the good-stock row (if any): minimum changes then queue up with stock moves, so
    the low-stock check of each sees the other's result."""
    list(
        Stock.objects.select_for_update()
        .filter(depot=depot, part=part, condition=C.GOOD)
        .values_list("pk", flat=True)
    )


def minimum_set(*, by: Any, depot: Depot, part: Part, minimum: int) -> MinimumLevel:
    """Create or change the minimum good stock of ``part`` at ``depot``; tells the parts
    clerks at once if good stock is now below it (see ``low_stock_check``)."""
    _ensure(may_move_stock(by))
    minimum = _check_minimum(minimum)
    with transaction.atomic():
        _lock_good_stock(depot, part)
        level, _created = MinimumLevel.objects.update_or_create(
            depot=depot, part=part, defaults={"minimum": minimum}
        )
        low_stock_check(depot, part)
    level.refresh_from_db()
    return level


def minimum_create(*, by: Any, depot: Depot, part: Part, minimum: int) -> MinimumLevel:
    """Like ``minimum_set``, but refuses a depot and part that already have a minimum."""
    _ensure(may_move_stock(by))
    if MinimumLevel.objects.filter(depot=depot, part=part).exists():
        raise ValidationFailed(
            _("This depot already has a minimum for this part; change it instead."),
            field="part_number",
        )
    return minimum_set(by=by, depot=depot, part=part, minimum=minimum)


def minimum_delete(*, by: Any, level: MinimumLevel) -> None:
    _ensure(may_move_stock(by))
    MinimumLevel.objects.filter(pk=level.pk).delete()


def replenishment_request(
    *, by: Any, depot: Depot, part: Part, quantity: int, note: str = ""
) -> ReplenishmentRequest:
    _ensure(may_move_stock(by))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValidationFailed(_("Ask for at least one unit."), field="quantity")
    if quantity > MAX_MINIMUM:
        raise ValidationFailed(_("That is more than can be requested at once."), field="quantity")
    now = clock.now()
    return ReplenishmentRequest.objects.create(
        depot=depot,
        part=part,
        quantity=quantity,
        note=note,
        created_at=now,
        updated_at=now,
        created_by=by,
    )


REQUEST_NEXT = {
    RequestStatus.OPEN: {RequestStatus.ORDERED, RequestStatus.CANCELLED},
    RequestStatus.ORDERED: {RequestStatus.RECEIVED, RequestStatus.CANCELLED},
}


def replenishment_set_status(
    *, by: Any, request: ReplenishmentRequest, status: str
) -> ReplenishmentRequest:
    """Move a replenishment request on: open → ordered | cancelled, ordered → received |
    cancelled (409 with ``allowed`` otherwise). Receiving the parts into stock is a separate
    stock move (a receipt, with serial numbers where tracked)."""
    _ensure(may_move_stock(by))
    with transaction.atomic():
        request = ReplenishmentRequest.objects.select_for_update().get(pk=request.pk)
        allowed = REQUEST_NEXT.get(request.status, set())
        if status not in allowed:
            raise InvalidTransition(_("This request cannot move to that status."), allowed=allowed)
        request.status = status
        request.updated_at = clock.now()
        request.save(update_fields=["status", "updated_at"])
    return request


# --- Stock and the ledger ----------------------------------------------------------------------


def _stock_row(depot: Depot, part: Part, condition: str) -> Stock:
    row = Stock.objects.filter(depot=depot, part=part, condition=condition).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return Stock.objects.create(depot=depot, part=part, condition=condition, quantity=0)
    except IntegrityError:  # created at the same moment by another transaction
        return Stock.objects.get(depot=depot, part=part, condition=condition)


def _take(depot: Depot, part: Part, condition: str, quantity: int) -> None:
    """Take ``quantity`` from a stock row; one conditional UPDATE, so two takers of the last
    unit cannot both succeed (the second re-reads the row after the first commits)."""
    taken = Stock.objects.filter(
        depot=depot, part=part, condition=condition, quantity__gte=quantity
    ).update(quantity=F("quantity") - quantity)
    if not taken:
        raise Conflict(
            _("Not enough %(part)s in condition %(condition)s at depot %(depot)s.")
            % {"part": part.part_number, "condition": condition, "depot": depot.code},
            code="out_of_stock",
        )


def _add(pk: int, quantity: int) -> None:
    Stock.objects.filter(pk=pk).update(quantity=F("quantity") + quantity)


def _move_serials(
    *,
    part: Part,
    serials: Sequence[str],
    depot: Depot,
    from_condition: str,
    to_condition: str,
    to_depot: Depot,
) -> None:
    for serial in serials:
        unit = (
            SerialUnit.objects.select_for_update().filter(part=part, serial_number=serial).first()
        )
        if from_condition:
            if unit is None or unit.depot_id != depot.pk or unit.condition != from_condition:
                raise ValidationFailed(
                    _("Serial number %(serial)s is not in %(condition)s stock at this depot.")
                    % {"serial": serial, "condition": from_condition},
                    field="serial_numbers",
                )
        elif unit is not None and unit.depot_id is not None:
            raise ValidationFailed(
                _("Serial number %(serial)s is already in stock.") % {"serial": serial},
                field="serial_numbers",
            )
        if unit is None:
            unit = SerialUnit(part=part, serial_number=serial)
        unit.depot = to_depot if to_condition else None
        unit.condition = to_condition
        unit.save()


def stock_move(
    *,
    by: Any,
    depot: Depot,
    part: Part,
    kind: str,
    quantity: int = 1,
    from_condition: str = "",
    to_condition: str = "",
    to_depot: Depot | None = None,
    serial_numbers: Sequence[str] = (),
    reference: str = "",
    note: str = "",
    at: datetime | None = None,
    check_role: bool = True,
) -> StockMovement:
    """Move stock and write its ledger row, in one transaction; nothing changes on an error.

    ``check_role=False`` is for the replacement and exchange-repair services, which check their
    own permissions. Raises Conflict (409, ``out_of_stock``) when the source has too few units.
    """
    if check_role:
        _ensure(may_move_stock(by))
    if kind not in MOVE_TABLE:
        raise ValidationFailed(_("Unknown kind of movement."), field="kind")
    if (from_condition, to_condition) not in MOVE_TABLE[kind]:
        raise ValidationFailed(
            _("A %(kind)s cannot move stock from “%(src)s” to “%(dst)s”.")
            % {"kind": kind, "src": from_condition or "-", "dst": to_condition or "-"},
            field="kind",
        )
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationFailed(_("The quantity must be at least 1."), field="quantity")
    if kind == K.TRANSFER:
        if to_depot is None or to_depot.pk == depot.pk:
            raise ValidationFailed(_("Choose another depot to transfer to."), field="to_depot")
    else:
        to_depot = None
    serials = [s.strip() for s in serial_numbers if s and s.strip()]
    if part.serial_tracked and kind != K.DELIVERY:
        if len(serials) != quantity or len(set(serials)) != len(serials):
            raise ValidationFailed(
                _("This part is serial-tracked: give one distinct serial number per unit."),
                field="serial_numbers",
            )
    elif serials and not part.serial_tracked:
        raise ValidationFailed(_("This part is not serial-tracked."), field="serial_numbers")
    with transaction.atomic():
        # The ledger row and the serial units first, the stock rows last: the row locks of the
        # stock updates (the contended part when many reserve the same part) are then held only
        # until the commit.
        movement = StockMovement.objects.create(
            at=at or clock.now(),
            kind=kind,
            depot=depot,
            part=part,
            from_condition=from_condition,
            to_condition=to_condition,
            to_depot=to_depot,
            quantity=quantity,
            serial_numbers=serials,
            reference=reference,
            note=note,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        if part.serial_tracked and serials and (from_condition or to_condition):
            _move_serials(
                part=part,
                serials=serials,
                depot=depot,
                from_condition=from_condition,
                to_condition=to_condition,
                to_depot=to_depot or depot,
            )
        # Update the two stock rows in the order of their ids, so that two opposite moves (a
        # reservation and a release) can never deadlock.
        steps: list[tuple[int, Any]] = []
        if from_condition:
            source = (
                Stock.objects.filter(depot=depot, part=part, condition=from_condition)
                .values_list("pk", flat=True)
                .first()
            )
            steps.append((source or 0, lambda: _take(depot, part, from_condition, quantity)))
        if to_condition:
            target = _stock_row(to_depot or depot, part, to_condition)
            steps.append((target.pk, lambda: _add(target.pk, quantity)))
        for _key, step in sorted(steps, key=lambda item: item[0]):
            step()
        # Each changed good-stock row is locked by its update until the commit, so the checks
        # of concurrent moves of one part at one depot run one after the other.
        if from_condition == C.GOOD:
            low_stock_check(depot, part)
        if to_condition == C.GOOD and (to_depot is not None or from_condition != C.GOOD):
            low_stock_check(to_depot or depot, part)
        return movement


# --- Deadlines on the depot calendar ----------------------------------------------------------


def _closing(spec: CalendarSpec, day: date) -> datetime | None:
    intervals = spec.intervals_on(day)
    if not intervals:
        return None
    end = intervals[-1][1]
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(spec.tz)) + timedelta(seconds=end)
    return local


def _next_working_days(spec: CalendarSpec, after: date, count: int) -> date:
    """Return the ``count``-th working day strictly after ``after``."""
    day = after
    found = 0
    for _i in range(3660):
        day += timedelta(days=1)
        if spec.intervals_on(day):
            found += 1
            if found == count:
                return day
    raise ValidationFailed(_("The depot calendar has no working days ahead."))


def ship_by_for(spec: CalendarSpec, confirmed_at: datetime) -> datetime:
    """The 14:00 rule: confirmed before 14:00 on a depot working day → that day's closing time;
    otherwise 12:00 on the next depot working day (API.md)."""
    local = confirmed_at.astimezone(ZoneInfo(spec.tz))
    closing = _closing(spec, local.date())
    if closing is not None and local.time() < SAME_DAY_CUTOFF:
        return closing
    day = _next_working_days(spec, local.date(), 1)
    return datetime.combine(day, NEXT_DAY_SHIP_TIME, tzinfo=ZoneInfo(spec.tz))


def return_due_for(
    spec: CalendarSpec, delivered_at: datetime, days: int = RETURN_WORKING_DAYS
) -> datetime:
    """Closing time of the 10th (``days``-th) depot working day after the delivery date."""
    local = delivered_at.astimezone(ZoneInfo(spec.tz))
    day = _next_working_days(spec, local.date(), days)
    closing = _closing(spec, day)
    assert closing is not None
    return closing


def exchange_due_for(spec: CalendarSpec, received_at: datetime) -> tuple[datetime, datetime]:
    """Return (warning time at 75 %, due time at 72 working hours) from ``received_at``."""
    total = EXCHANGE_WORKING_HOURS * 3600
    warn = add_working_time(spec, received_at, int(total * WARNING_FRACTION))
    return warn, add_working_time(spec, received_at, total)


# --- Advance replacement -----------------------------------------------------------------------


def _timeline(case: Any, *, by: Any, field: str, value: str, at: datetime | None = None) -> None:
    record_event(
        case,
        CaseEventKind.FIELD_CHANGED,
        by=by if getattr(by, "is_authenticated", False) else None,
        at=at,
        field=field,
        new_value=value,
    )


def _save_numbered(obj: Any, prefix: str) -> None:
    """Save ``obj`` with a unique number ``PREFIX-YYYYMMDD-<id>``: the row goes in under a
    temporary unique number and takes its id-based one at once, so concurrent creators never
    collide (a count-based number would make them wait on each other's unique-index entries)."""
    day = clock.now().strftime("%Y%m%d")
    obj.number = f"t-{uuid.uuid4().hex[:26]}"
    obj.save()
    obj.number = f"{prefix}-{day}-{obj.pk:06d}"
    type(obj).objects.filter(pk=obj.pk).update(number=obj.number)


def stock_suggestions(*, depot: Depot, part: Part) -> dict[str, list[dict[str, Any]]]:
    """Other depots with good stock of ``part`` (same region first) and substitutes in stock."""
    from aftersales.parts.selectors import good_stock_elsewhere, substitutes_in_stock

    return {
        "other_depots": good_stock_elsewhere(depot=depot, part=part),
        "substitutes": substitutes_in_stock(depot=depot, part=part),
    }


def replacement_create(
    *,
    by: Any,
    case: Any,
    part: Part,
    depot: Depot,
    fault_confirmed_at: datetime,
    serial_number: str = "",
) -> Replacement:
    """Reserve a good unit at once and set ``ship_by`` by the 14:00 rule; none left → 409 with
    suggestions, nothing reserved."""
    _ensure(may_request_parts(by))
    _aware(fault_confirmed_at, "fault_confirmed_at")
    spec = calendar_spec(depot.calendar)
    ship_by = ship_by_for(spec, fault_confirmed_at)
    picked = part.serial_tracked and not serial_number
    if picked:
        unit = (
            SerialUnit.objects.filter(part=part, depot=depot, condition=C.GOOD)
            .order_by("serial_number")
            .first()
        )
        serial_number = unit.serial_number if unit else ""
    try:
        with transaction.atomic():
            replacement = Replacement(
                case=case,
                part=part,
                depot=depot,
                fault_confirmed_at=fault_confirmed_at,
                ship_by=ship_by,
                serial_number=serial_number,
                created_at=clock.now(),
                created_by=by,
            )
            _save_numbered(replacement, "RP")
            _timeline(
                case,
                by=by,
                field="replacement",
                value=_("%(number)s: %(part)s reserved at %(depot)s, ships by %(ship_by)s")
                % {
                    "number": replacement.number,
                    "part": part.part_number,
                    "depot": depot.code,
                    "ship_by": ship_by.isoformat(),
                },
            )
            stock_move(
                by=by,
                depot=depot,
                part=part,
                kind=K.RESERVATION,
                from_condition=C.GOOD,
                to_condition=C.RESERVED,
                serial_numbers=[serial_number] if part.serial_tracked else (),
                reference=replacement.number,
                check_role=False,
            )
    except Conflict as exc:
        raise Conflict(
            _("No good %(part)s left at depot %(depot)s.")
            % {"part": part.part_number, "depot": depot.code},
            code="out_of_stock",
            suggestions=stock_suggestions(depot=depot, part=part),
        ) from exc
    except ValidationFailed as exc:
        if picked:  # the unit we picked went to a concurrent request, or none was left
            raise Conflict(
                _("No good %(part)s left at depot %(depot)s.")
                % {"part": part.part_number, "depot": depot.code},
                code="out_of_stock",
                suggestions=stock_suggestions(depot=depot, part=part),
            ) from exc
        raise
    return replacement


def _lock(replacement: Replacement) -> Replacement:
    return (
        Replacement.objects.select_for_update()
        .select_related("part", "depot", "case")
        .get(pk=replacement.pk)
    )


def _require(obj: Any, *statuses: str) -> None:
    if obj.status not in statuses:
        raise InvalidTransition(
            _("Not possible in status %(status)s.") % {"status": obj.status}, allowed=statuses
        )


def replacement_ship(
    *, by: Any, replacement: Replacement, shipped_at: datetime, carrier: str, tracking_number: str
) -> Replacement:
    _ensure(may_move_stock(by))
    _aware(shipped_at, "shipped_at")
    if not carrier.strip() or not tracking_number.strip():
        raise ValidationFailed(_("Give the carrier and the tracking number."), field="carrier")
    from aftersales.notifications.services.events import part_shipped

    with transaction.atomic():
        r = _lock(replacement)
        _require(r, ReplacementStatus.RESERVED)
        if shipped_at < r.fault_confirmed_at:
            raise ValidationFailed(_("Shipped before the fault was confirmed?"), field="shipped_at")
        stock_move(
            by=by,
            depot=r.depot,
            part=r.part,
            kind=K.SHIPMENT,
            from_condition=C.RESERVED,
            serial_numbers=[r.serial_number] if r.part.serial_tracked else (),
            reference=r.number,
            at=shipped_at,
            check_role=False,
        )
        r.status = ReplacementStatus.SHIPPED
        r.shipped_at = shipped_at
        r.carrier = carrier.strip()
        r.tracking_number = tracking_number.strip()
        r.save(update_fields=["status", "shipped_at", "carrier", "tracking_number"])
        _timeline(
            r.case,
            by=by,
            field="replacement",
            value=_("%(number)s shipped by %(carrier)s, tracking %(tracking)s")
            % {"number": r.number, "carrier": r.carrier, "tracking": r.tracking_number},
        )
        part_shipped(
            case=r.case,
            part_name=r.part.name,
            part_number=r.part.part_number,
            carrier=r.carrier,
            tracking_number=r.tracking_number,
            dedupe_key=r.number,
            by=by,
        )
    return r


def replacement_deliver(
    *, by: Any, replacement: Replacement, delivered_at: datetime
) -> Replacement:
    _ensure(may_request_parts(by))
    _aware(delivered_at, "delivered_at")
    with transaction.atomic():
        r = _lock(replacement)
        _require(r, ReplacementStatus.SHIPPED)
        if r.shipped_at and delivered_at < r.shipped_at:
            raise ValidationFailed(_("Delivered before it was shipped?"), field="delivered_at")
        spec = calendar_spec(r.depot.calendar)
        r.return_due = return_due_for(spec, delivered_at)
        r.remind_at = return_due_for(spec, delivered_at, RETURN_WORKING_DAYS - REMIND_DAYS_BEFORE)
        r.delivered_at = delivered_at
        r.status = ReplacementStatus.DELIVERED
        r.save(update_fields=["status", "delivered_at", "return_due", "remind_at"])
        stock_move(
            by=by,
            depot=r.depot,
            part=r.part,
            kind=K.DELIVERY,
            reference=r.number,
            at=delivered_at,
            check_role=False,
        )
        _timeline(
            r.case,
            by=by,
            field="replacement",
            value=_("%(number)s delivered; the faulty part is due back by %(due)s")
            % {"number": r.number, "due": r.return_due.isoformat()},
        )
    return r


def replacement_receive_return(
    *, by: Any, replacement: Replacement, received_at: datetime, serial_number: str = ""
) -> Replacement:
    """The faulty part came back: it enters faulty stock and the loop closes."""
    _ensure(may_move_stock(by))
    _aware(received_at, "received_at")
    with transaction.atomic():
        r = _lock(replacement)
        _require(r, ReplacementStatus.DELIVERED, ReplacementStatus.SHIPPED)
        if r.part.serial_tracked and not serial_number.strip():
            raise ValidationFailed(
                _("Give the returned part's serial number."), field="serial_number"
            )
        stock_move(
            by=by,
            depot=r.depot,
            part=r.part,
            kind=K.RETURN,
            to_condition=C.FAULTY,
            serial_numbers=[serial_number] if r.part.serial_tracked else (),
            reference=r.number,
            at=received_at,
            check_role=False,
        )
        r.status = ReplacementStatus.RETURNED
        r.returned_at = received_at
        r.save(update_fields=["status", "returned_at"])
        _timeline(
            r.case,
            by=by,
            field="replacement",
            value=_("%(number)s: faulty part received") % {"number": r.number},
        )
    return r


def replacement_cancel(*, by: Any, replacement: Replacement) -> Replacement:
    _ensure(may_request_parts(by))
    with transaction.atomic():
        r = _lock(replacement)
        _require(r, ReplacementStatus.RESERVED)
        stock_move(
            by=by,
            depot=r.depot,
            part=r.part,
            kind=K.RELEASE,
            from_condition=C.RESERVED,
            to_condition=C.GOOD,
            serial_numbers=[r.serial_number] if r.part.serial_tracked else (),
            reference=r.number,
            check_role=False,
        )
        r.status = ReplacementStatus.CANCELLED
        r.save(update_fields=["status"])
        _timeline(
            r.case,
            by=by,
            field="replacement",
            value=_("%(number)s cancelled") % {"number": r.number},
        )
    return r


def returns_remind(*, now: datetime | None = None) -> int:
    """Remind the customer once per replacement, two depot working days before its faulty part
    is due back: a public timeline entry (seen on the portal) and a ``part_return_reminder``
    notice to the case's contacts. A replacement whose return is already overdue when the
    reminder comes round gets no reminder (``part_return_overdue`` tells them instead)."""
    from aftersales.notifications.services.events import part_return_reminder

    now = now or clock.now()
    written = 0
    due = Replacement.objects.filter(
        status=ReplacementStatus.DELIVERED, remind_at__lte=now, reminded_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            if not Replacement.objects.filter(
                pk=pk, status=ReplacementStatus.DELIVERED, reminded_at__isnull=True
            ).update(reminded_at=now):
                continue
            r = Replacement.objects.select_related("case", "part").get(pk=pk)
            if r.return_due is None or r.return_due <= now:
                continue
            _timeline(
                r.case,
                by=None,
                field="replacement",
                value=_("%(number)s: reminder, please send the faulty %(part)s back by %(due)s")
                % {"number": r.number, "part": r.part.name, "due": _local_iso(r.return_due)},
            )
            part_return_reminder(
                case=r.case,
                part_name=r.part.name,
                part_number=r.part.part_number,
                return_due=r.return_due,
                dedupe_key=r.number,
            )
            written += 1
    return written


def stock_notice_recipients() -> list[Any]:
    """Who hears about low stock: the active parts clerks, else the administrators."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    clerks = list(users.filter(role="parts_clerk"))
    return clerks or list(users.filter(Q(role="admin") | Q(is_superuser=True)))


def low_stock_check(depot: Depot, part: Part) -> bool:
    """Compare good stock of ``part`` at ``depot`` with its minimum; return whether a low-stock
    notice went out now.

    Once per crossing: the first check that finds good stock below the minimum claims the
    level (``low_since``) and notifies the parts clerks in-app (and by e-mail per their
    preferences) and the site administrators (``ADMINS``) by e-mail; later checks stay quiet
    until good stock is back at the minimum or above, which re-arms the level. Call it inside
    the transaction that changed the stock or the minimum.
    """
    level = MinimumLevel.objects.filter(depot=depot, part=part).first()
    if level is None:
        return False
    good = (
        Stock.objects.filter(depot=depot, part=part, condition=C.GOOD)
        .values_list("quantity", flat=True)
        .first()
        or 0
    )
    if good >= level.minimum:
        if level.low_since is not None:
            MinimumLevel.objects.filter(pk=level.pk).update(low_since=None)
        return False
    if level.low_since is not None:
        return False
    now = clock.now()
    claimed = MinimumLevel.objects.filter(pk=level.pk, low_since__isnull=True).update(
        low_since=now, low_alerts=F("low_alerts") + 1
    )
    if not claimed:
        return False
    level.refresh_from_db(fields=["low_since", "low_alerts", "minimum"])
    _low_stock_notify(level, depot, part, good, now)
    return True


def _low_stock_notify(
    level: MinimumLevel, depot: Depot, part: Part, good: int, now: datetime
) -> None:
    from django.core.mail import mail_admins
    from django.urls import reverse

    from aftersales.notifications.models import NotificationKind
    from aftersales.notifications.services import notifications_build, notifications_save
    from aftersales.notifications.services.rendering import site_url

    values = {"part": part.part_number, "depot": depot.code, "left": good, "minimum": level.minimum}
    url = site_url(reverse("parts:stock") + f"?depot={depot.code}")

    def render() -> tuple[str, str]:
        title = _("Low stock: %(part)s at %(depot)s (%(left)d left, minimum %(minimum)d)") % values
        body = _(
            "%(name)s: good stock at %(depot)s fell below its minimum. Move units from another "
            "depot or request more from the manufacturer: %(url)s"
        ) % {"name": part.name, "depot": depot.code, "url": url}
        return title, body

    notifications_save(
        notifications_build(
            recipients=stock_notice_recipients(),
            kind=NotificationKind.LOW_STOCK,
            case=None,
            render=render,
            dedupe_key=f"low_stock:{level.pk}:{level.low_alerts}",
            at=now,
            data={**values, "url": url},
        )
    )
    subject, body = render()
    transaction.on_commit(lambda: mail_admins(subject, body, fail_silently=True))


def returns_overdue_notify(*, now: datetime | None = None) -> int:
    """Send ``part_return_overdue`` once per replacement whose faulty part is overdue."""
    from aftersales.notifications.services.events import part_return_overdue

    now = now or clock.now()
    sent = 0
    due = Replacement.objects.filter(
        status=ReplacementStatus.DELIVERED, return_due__lt=now, overdue_notified_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            r = (
                Replacement.objects.select_for_update()
                .select_related("case", "part")
                .filter(pk=pk, overdue_notified_at__isnull=True)
                .first()
            )
            if r is None:
                continue
            r.overdue_notified_at = now
            r.save(update_fields=["overdue_notified_at"])
            _timeline(
                r.case,
                by=None,
                field="replacement",
                value=_("%(number)s: the faulty part is overdue (due %(due)s)")
                % {"number": r.number, "due": _local_iso(r.return_due)},
            )
            part_return_overdue(
                case=r.case,
                part_name=r.part.name,
                part_number=r.part.part_number,
                return_due=r.return_due,
                dedupe_key=r.number,
            )
            sent += 1
    return sent


# --- Exchange repair ---------------------------------------------------------------------------


def exchange_create(
    *, by: Any, case: Any, part: Part, depot: Depot, received_at: datetime
) -> ExchangeRepair:
    """Record receipt of the customer's faulty hardware; due 72 working hours later on the depot
    calendar. The unit stays the customer's (it is not depot stock); parts used in the repair
    leave good stock in `exchange_advance`."""
    _ensure(may_request_parts(by))
    _aware(received_at, "received_at")
    warn_at, due_at = exchange_due_for(calendar_spec(depot.calendar), received_at)
    with transaction.atomic():
        order = ExchangeRepair(
            case=case,
            part=part,
            depot=depot,
            received_at=received_at,
            warn_at=warn_at,
            due_at=due_at,
            created_at=clock.now(),
            created_by=by,
        )
        _save_numbered(order, "XR")
        _timeline(
            case,
            by=by,
            field="exchange_repair",
            value=_("%(number)s: faulty %(part)s received at %(depot)s, due %(due)s")
            % {
                "number": order.number,
                "part": part.part_number,
                "depot": depot.code,
                "due": due_at.isoformat(),
            },
        )
    return order


def exchange_advance(
    *, by: Any, order: ExchangeRepair, status: str, parts_used: Iterable[tuple[Part, int]] = ()
) -> ExchangeRepair:
    """Move an exchange repair to its next status; parts used come out of good stock."""
    _ensure(may_request_parts(by))
    with transaction.atomic():
        o = (
            ExchangeRepair.objects.select_for_update()
            .select_related("case", "depot")
            .get(pk=order.pk)
        )
        allowed = EXCHANGE_NEXT[o.status]
        if status not in allowed:
            raise InvalidTransition(
                _("Not possible in status %(status)s.") % {"status": o.status}, allowed=allowed
            )
        for used, quantity in parts_used:
            stock_move(
                by=by,
                depot=o.depot,
                part=used,
                kind=K.USE,
                from_condition=C.GOOD,
                quantity=quantity,
                reference=o.number,
                check_role=False,
            )
        o.status = status
        if status == ExchangeStatus.SHIPPED_BACK:
            o.completed_at = clock.now()
        o.save(update_fields=["status", "completed_at"])
        _timeline(
            o.case,
            by=by,
            field="exchange_repair",
            value=f"{o.number}: {ExchangeStatus(status).label}",
        )
    return o


def exchange_clock_check(*, now: datetime | None = None) -> int:
    """Run the exchange-repair clocks; return how many warnings and breaches fired.

    At 75 % of the 72 working hours: one internal timeline warning and an ``sla_warning``
    notice to the case's assignee (else team lead, else regional supervisor). At 72 working
    hours: one breach entry and an escalation of the case, as the SLA engine records them (an
    ``Escalation`` one level above the case's highest, an ``escalated`` timeline entry, an
    ``escalation`` notice to the supervisor of the case's region and an outbox event). Each
    fires once per order, also when several workers run this at the same time: the flag is
    claimed by a conditional UPDATE and the escalation is a one-to-one of the order.
    """
    now = now or clock.now()
    written = 0
    open_orders = ExchangeRepair.objects.exclude(status=ExchangeStatus.SHIPPED_BACK)
    for field, limit in (("warned", "warn_at"), ("breached", "due_at")):
        for pk in list(
            open_orders.filter(**{field: False, f"{limit}__lte": now}).values_list("pk", flat=True)
        ):
            with transaction.atomic():
                claimed = (
                    ExchangeRepair.objects.exclude(status=ExchangeStatus.SHIPPED_BACK)
                    .filter(pk=pk, **{field: False})
                    .update(**{field: True})
                )
                if not claimed:
                    continue
                o = ExchangeRepair.objects.select_related("case", "part", "depot").get(pk=pk)
                if field == "warned":
                    _exchange_warn(o, now)
                else:
                    _exchange_breach(o, now)
                written += 1
    return written


def _exchange_warn(o: ExchangeRepair, now: datetime) -> None:
    from aftersales.notifications.models import NotificationKind
    from aftersales.notifications.services import (
        event_emit,
        notifications_build,
        notifications_save,
    )
    from aftersales.sla.choices import EscalationRecipient
    from aftersales.sla.services.escalation import escalation_recipients

    case = o.case
    record_event(
        case,
        CaseEventKind.SLA,
        by=None,
        at=now,
        is_public=False,
        field="exchange_repair",
        new_value=_("%(number)s: 75%% of the 72 working hours used (due %(due)s)")
        % {"number": o.number, "due": _local_iso(o.due_at)},
    )
    people: list[Any] = []
    for kinds in (
        [EscalationRecipient.ASSIGNEE],
        [EscalationRecipient.TEAM_LEAD],
        [EscalationRecipient.REGIONAL_SUPERVISOR],
    ):
        people = escalation_recipients(case, kinds)
        if people:
            break
    due = _local_minute(o.due_at)
    notifications_save(
        notifications_build(
            recipients=people,
            kind=NotificationKind.SLA_WARNING,
            case=case,
            at=now,
            dedupe_key=f"exchange_warning:{o.number}",
            data={"exchange_repair": o.number, "due_at": o.due_at.isoformat()},
            render=lambda: (
                _("Case %(number)s: exchange repair %(order)s due at %(due)s")
                % {"number": case.number, "order": o.number, "due": due},
                case.summary,
            ),
        )
    )
    event_emit(
        kind=NotificationKind.SLA_WARNING,
        case=case,
        at=now,
        dedupe_key=f"exchange_warning:{o.number}",
        data={"exchange_repair": o.number, "due_at": o.due_at.isoformat()},
    )


def _local_iso(value: datetime) -> str:
    """``value`` in ISO 8601 in the server's zone (as the replacement steps write it)."""
    from django.utils import timezone

    return timezone.localtime(value).isoformat()


def _local_minute(value: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _exchange_breach(o: ExchangeRepair, now: datetime) -> None:
    from aftersales.cases.models import Case
    from aftersales.notifications.models import NotificationKind
    from aftersales.notifications.services import (
        event_emit,
        notifications_build,
        notifications_save,
    )
    from aftersales.sla.choices import EscalationRecipient
    from aftersales.sla.models import Escalation
    from aftersales.sla.services.escalation import escalation_recipients, service_directors

    # The case row lock orders this escalation's level after any manual one in progress.
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer__region__supervisor", "site__region__supervisor")
        .get(pk=o.case_id)
    )
    due = _local_iso(o.due_at)
    record_event(
        case,
        CaseEventKind.SLA,
        by=None,
        at=now,
        is_public=False,
        field="exchange_repair",
        new_value=_("%(number)s: overdue, 72 working hours passed (due %(due)s)")
        % {"number": o.number, "due": due},
    )
    people = escalation_recipients(case, [EscalationRecipient.REGIONAL_SUPERVISOR])
    if not people:
        people = service_directors()
    level = max((e.level for e in Escalation.objects.filter(case=case)), default=0) + 1
    reason = _("Exchange repair %(number)s not completed within 72 working hours (due %(due)s)") % {
        "number": o.number,
        "due": _local_minute(o.due_at),
    }
    escalation = Escalation.objects.create(
        case=case,
        level=level,
        reason=reason,
        actor=None,
        at=now,
        recipients=[p.username for p in people],
    )
    ExchangeRepair.objects.filter(pk=o.pk).update(escalation=escalation)
    record_event(
        case,
        CaseEventKind.ESCALATED,
        by=None,
        at=now,
        note=reason,
        is_public=False,
        data={
            "level": level,
            "recipients": escalation.recipients,
            "exchange_repair": o.number,
        },
    )
    data = {"level": level, "exchange_repair": o.number, "due_at": due}
    notifications_save(
        notifications_build(
            recipients=people,
            kind=NotificationKind.ESCALATION,
            case=case,
            at=now,
            dedupe_key=f"escalation:{escalation.pk}",
            data=data,
            render=lambda: (
                _("Case %(number)s escalated to level %(level)d: exchange repair %(order)s overdue")
                % {"number": case.number, "level": level, "order": o.number},
                case.summary,
            ),
        )
    )
    event_emit(
        kind=NotificationKind.ESCALATION,
        case=case,
        at=now,
        dedupe_key=f"escalation:{escalation.pk}",
        data={**data, "reason": reason},
    )
