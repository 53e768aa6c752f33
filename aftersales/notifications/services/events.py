"""Emit events into the outbox: one small row per event, in the caller's transaction.

The case and SLA services call the ``case_*`` hooks and ``event_build``/``events_save``; the
field-service and spare-parts features call ``engineer_dispatched``, ``part_shipped``,
``part_return_reminder`` and ``part_return_overdue``. Nothing is sent here: the delivery task
fans each row out later, so a request never waits for a mail server, and a rolled-back
transaction leaves no event behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aftersales.core import clock
from aftersales.core.instances import build
from aftersales.notifications.choices import EventKind, EventStatus
from aftersales.notifications.models import NotificationEvent

logger = logging.getLogger(__name__)

# A service running "as of" an instant further than this from the real time is replaying
# history (the demo loader, an import): its events are kept for the record but never sent.
REPLAY_TOLERANCE = timedelta(minutes=5)


def is_replay(at: datetime) -> bool:
    """Return whether a service acting "as of" ``at`` is replaying history.

    True when the clock is set back (``clock.override``: the demo loader, imports) or ``at`` is
    far from the real time. Events and notices of a replay are recorded but never sent.
    """
    if getattr(clock._local, "at", None) is not None:  # noqa: SLF001 - the clock's own state
        return True
    return abs(timezone.now() - at) > REPLAY_TOLERANCE


def event_build(
    *,
    kind: str,
    case: Any,
    dedupe_key: str,
    at: datetime | None = None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> NotificationEvent:
    """Return an unsaved outbox row for ``kind`` about ``case`` (save it with ``events_save``).

    ``dedupe_key`` names the event itself (not a recipient): emitting the same key twice keeps
    the first row only, so a retried service or a second sweeper cannot notify twice.
    """
    at = at or clock.now()
    event = build(
        NotificationEvent,
        kind=kind,
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        data=data or {},
        created_at=at,
        dedupe_key=dedupe_key[:200],
    )
    if is_replay(at):
        event.status = EventStatus.STALE
        event.processed_at = at
    return event


def events_save(rows: Iterable[NotificationEvent]) -> None:
    """Insert outbox rows in one statement, ignoring keys already used, and wake a worker.

    With a Celery broker a delivery task is queued when the transaction commits; in the embedded
    mode the in-process scheduler runs it every few seconds. Never sends anything itself.
    """
    rows = list(rows)
    if not rows:
        return
    NotificationEvent.objects.bulk_create(rows, ignore_conflicts=True)
    events_inserted(rows)


def events_inserted(rows: Iterable[NotificationEvent]) -> None:
    """Wake a worker for outbox rows the caller inserted itself (as ``events_save`` does)."""
    if any(r.status == EventStatus.PENDING for r in rows):
        _wake_worker_on_commit()


def event_emit(
    *,
    kind: str,
    case: Any,
    dedupe_key: str,
    at: datetime | None = None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Record one event about ``case`` for the delivery task (one INSERT, nothing sent now)."""
    events_save(
        [event_build(kind=kind, case=case, dedupe_key=dedupe_key, at=at, actor=actor, data=data)]
    )


def _wake_worker_on_commit() -> None:
    if not settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded mode: the scheduler's periodic run picks the rows up
    transaction.on_commit(_enqueue_delivery, robust=True)


def _enqueue_delivery() -> None:
    from aftersales.notifications.tasks import notifications_deliver_task

    try:
        # No publish retries: with the broker down this returns at once (the request that
        # committed must not wait), and the periodic run delivers anyway.
        notifications_deliver_task.apply_async(retry=False)
    except Exception:  # a broker hiccup must not fail a request
        logger.warning("could not queue the notification delivery task", exc_info=True)


# --- Hooks of the case services ------------------------------------------------------------------


def case_created(*, case: Any, by: Any, at: datetime) -> None:
    """Record that ``case`` was registered (the acknowledgement, with the promised response)."""
    events_save([case_created_event(case=case, by=by, at=at)])


def case_created_event(*, case: Any, by: Any, at: datetime) -> NotificationEvent:
    """Return the unsaved outbox row of ``case_created`` (for a caller that inserts it with its
    own rows, then calls ``events_inserted``)."""
    response = next(
        (c for c in getattr(case, "live_sla_clocks", ()) if c.target == "response"), None
    )
    due = response.due_at if response is not None else None
    return event_build(
        kind=EventKind.CASE_CREATED,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"case_created:{case.pk}",
        data={"response_due_at": due.isoformat() if due else None, "severity": case.severity},
    )


def case_transitioned(
    *,
    case: Any,
    from_status: str,
    to_status: str,
    by: Any,
    at: datetime,
    note: str = "",
    public: bool = True,
    first_response: bool = False,
    reopening: bool = False,
) -> None:
    """Record a status change of ``case`` (already saved, ``version`` bumped).

    Every move is one event: ``first_response`` when it is the case's first answer,
    ``case_resolved`` for a resolution, else ``status_changed``; each carries both statuses, so
    an integration sees every move. Which moves customers hear about is decided on delivery.
    """
    moved = {
        "from_status": from_status,
        "to_status": to_status,
        "public": bool(public),
        "reopening": bool(reopening),
        "note": note[:1000] if public else "",
    }
    if to_status == "dispatched" and case.assignee_id and public and not first_response:
        # A dispatch from field service announces itself with the visit's ETA just before this
        # move; a plain move to "dispatched" tells the customer who the assignee is.
        if _dispatch_announced(case, at):
            return
        engineer = case.assignee
        engineer_dispatched(
            case=case,
            engineer_name=engineer.get_full_name() or engineer.username,
            engineer_phone=engineer.phone,
            dedupe_key=f"{case.pk}:v{case.version}",
            by=by,
            at=at,
            data=moved,
        )
        return
    if first_response:
        kind = EventKind.FIRST_RESPONSE
    elif to_status == "resolved":
        kind = EventKind.CASE_RESOLVED
    else:
        kind = EventKind.STATUS_CHANGED
    event_emit(
        kind=kind,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"status:{case.pk}:v{case.version}",
        data=moved,
    )


def case_replied(*, case: Any, comment: Any, by: Any, at: datetime, first_response: bool) -> None:
    """Record a public reply from staff (the case's first response, or a later reply)."""
    event_emit(
        kind=EventKind.FIRST_RESPONSE if first_response else EventKind.CASE_REPLY,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"reply:{comment.pk}",
        data={"comment": comment.pk, "via": "reply"},
    )


# --- For field service and spare parts (later features call these) -----------------------------


# A field-service dispatch announced within this window makes the status move's own notice
# redundant (they are parts of one action).
DISPATCH_ANNOUNCED_WINDOW = timedelta(minutes=1)


def _dispatch_announced(case: Any, at: datetime | None) -> bool:
    at = at or clock.now()
    return NotificationEvent.objects.filter(
        case=case,
        kind=EventKind.ENGINEER_DISPATCHED,
        created_at__gte=at - DISPATCH_ANNOUNCED_WINDOW,
        data__visit__isnull=False,
    ).exists()


def engineer_dispatched(
    *,
    case: Any,
    engineer_name: str,
    dedupe_key: str,
    eta: datetime | None = None,
    engineer_phone: str = "",
    by: Any = None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Tell the customer that an engineer is on the way (name, phone, estimated arrival).

    ``dedupe_key`` identifies the dispatch (e.g. the visit's number): a second call with the same
    key is ignored; a new dispatch (another engineer, a new ETA) needs a new key.
    """
    event_emit(
        kind=EventKind.ENGINEER_DISPATCHED,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"engineer_dispatched:{dedupe_key}",
        data={
            **(data or {}),
            "engineer_name": engineer_name,
            "engineer_phone": engineer_phone,
            "eta": eta.isoformat() if eta else None,
        },
    )


def part_shipped(
    *,
    case: Any,
    part_name: str,
    dedupe_key: str,
    part_number: str = "",
    carrier: str = "",
    tracking_number: str = "",
    by: Any = None,
    at: datetime | None = None,
) -> None:
    """Tell the customer that a (replacement) part was shipped, with the carrier and tracking."""
    event_emit(
        kind=EventKind.PART_SHIPPED,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"part_shipped:{dedupe_key}",
        data={
            "part_name": part_name,
            "part_number": part_number,
            "carrier": carrier,
            "tracking_number": tracking_number,
        },
    )


def _part_return_event(
    kind: str,
    *,
    case: Any,
    part_name: str,
    dedupe_key: str,
    part_number: str,
    return_due: datetime | None,
    by: Any,
    at: datetime | None,
) -> None:
    event_emit(
        kind=kind,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"{EventKind(kind).value}:{dedupe_key}",
        data={
            "part_name": part_name,
            "part_number": part_number,
            "return_due": return_due.isoformat() if return_due else None,
        },
    )


def part_return_overdue(
    *,
    case: Any,
    part_name: str,
    dedupe_key: str,
    part_number: str = "",
    return_due: datetime | None = None,
    by: Any = None,
    at: datetime | None = None,
) -> None:
    """Remind the customer that the faulty part was due back (10 depot working days)."""
    _part_return_event(
        EventKind.PART_RETURN_OVERDUE,
        case=case,
        part_name=part_name,
        dedupe_key=dedupe_key,
        part_number=part_number,
        return_due=return_due,
        by=by,
        at=at,
    )


def part_return_reminder(
    *,
    case: Any,
    part_name: str,
    dedupe_key: str,
    part_number: str = "",
    return_due: datetime | None = None,
    by: Any = None,
    at: datetime | None = None,
) -> None:
    """Remind the customer, before it is due, to send the faulty part back by ``return_due``."""
    _part_return_event(
        EventKind.PART_RETURN_REMINDER,
        case=case,
        part_name=part_name,
        dedupe_key=dedupe_key,
        part_number=part_number,
        return_due=return_due,
        by=by,
        at=at,
    )
