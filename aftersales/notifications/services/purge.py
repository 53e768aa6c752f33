"""Purge the delivery log, staff notices and outbox events past their retention.

Nothing outside this app points at these rows with a foreign key (``Delivery`` references its
event or notice with ``CASCADE``; case timelines, escalations and SLA clock events keep their own
copies of what happened). Emitters never rely on an old row's dedupe key to stay quiet: each one
also marks its source (``SlaClock.breached_at``/``warned_at``, the ``Escalation`` row, the part
replacement's and exchange order's flags, the low-stock counter, the case version), so a purged
key is never emitted again. Replies to purged case e-mail still thread: their Message-ID
carries the case number (``case.<NUMBER>.…``), which the e-mail intake reads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from aftersales.core import clock
from aftersales.notifications.choices import DeliveryStatus, EventStatus
from aftersales.notifications.models import Delivery, Notification, NotificationEvent

# A delivery in one of these states is never touched again by the senders (``failed`` is final:
# a delivery being retried stays ``pending`` until its last attempt).
FINISHED_DELIVERY_STATUSES: tuple[str, ...] = (
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.SKIPPED,
)
FINISHED_EVENT_STATUSES: tuple[str, ...] = (EventStatus.DONE, EventStatus.STALE)
PURGE_BATCH = 5000


@dataclass
class PurgeResult:
    deliveries: int = 0
    notifications: int = 0
    events: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "deliveries": self.deliveries,
            "notifications": self.notifications,
            "events": self.events,
        }


def retention_cutoff(*, days: int | None = None, now: datetime | None = None) -> datetime | None:
    """Return the moment before which finished rows are purged: ``days`` (by default
    ``NOTIFICATIONS_RETENTION_DAYS``) before ``now``; None when the retention is 0 (keep all)."""
    days = settings.NOTIFICATIONS_RETENTION_DAYS if days is None else days
    if days <= 0:
        return None
    return (now or clock.now()) - timedelta(days=days)


def _delivery_purgeable(older_than: datetime) -> Q:
    """Finished, made before ``older_than`` and (if sent) sent before it."""
    return Q(status__in=FINISHED_DELIVERY_STATUSES, created_at__lt=older_than) & (
        Q(sent_at__isnull=True) | Q(sent_at__lt=older_than)
    )


def _kept_deliveries(older_than: datetime, parent: str) -> Exists:
    """Whether the row has a delivery the purge keeps (unfinished, or too recent)."""
    return Exists(
        Delivery.objects.filter(**{parent: OuterRef("pk")}).exclude(_delivery_purgeable(older_than))
    )


def deliveries_purgeable(*, older_than: datetime) -> QuerySet[Delivery]:
    """Return the deliveries the purge deletes: sent, failed for good or skipped, and older
    than ``older_than``. Pending (including those waiting for a retry) and sending ones stay."""
    return Delivery.objects.filter(_delivery_purgeable(older_than)).order_by()


def notifications_purgeable(*, older_than: datetime) -> QuerySet[Notification]:
    """Return the staff notices the purge deletes: created before ``older_than``, already
    passed to the channels, and without a delivery the purge keeps. Read or not: in-app notices
    this old are history (the case timeline keeps the facts)."""
    return (
        Notification.objects.filter(created_at__lt=older_than, dispatched_at__isnull=False)
        .exclude(_kept_deliveries(older_than, "notification"))
        .order_by()
    )


def events_purgeable(*, older_than: datetime) -> QuerySet[NotificationEvent]:
    """Return the outbox events the purge deletes: created before ``older_than``, fanned out
    (``done``) or given up (``stale``), and without a delivery the purge keeps."""
    return (
        NotificationEvent.objects.filter(
            created_at__lt=older_than, status__in=FINISHED_EVENT_STATUSES
        )
        .exclude(_kept_deliveries(older_than, "event"))
        .order_by()
    )


def _delete_in_batches(queryset: QuerySet[Model], *, batch_size: int) -> Counter[str]:
    """Delete the rows of ``queryset`` ``batch_size`` at a time, one short transaction each;
    return the deleted rows per model label.

    Each batch locks its rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a row another
    transaction holds is left for the next run) and deletes them with the queryset's conditions
    repeated, so a row that changed in between (a failed delivery queued again) stays.
    """
    deleted: Counter[str] = Counter()
    while True:
        with transaction.atomic():
            locked = queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)
            ids = list(locked[:batch_size])
            if ids:
                _total, per_model = queryset.filter(pk__in=ids).only("pk").delete()
                deleted.update(per_model)
        if len(ids) < batch_size:
            return deleted


def notifications_purge(
    *, older_than: datetime, batch_size: int = PURGE_BATCH, dry_run: bool = False
) -> PurgeResult:
    """Delete finished deliveries, staff notices and outbox events older than ``older_than``.

    First the deliveries (sent, failed for good, skipped), then the notices and events left
    without any delivery; anything pending, being sent or waiting for a retry stays, with its
    notice or event. Deletes ``batch_size`` rows per statement, each batch in its own
    transaction, so memory and lock time stay bounded whatever the backlog. With ``dry_run``
    nothing is deleted and the counts are those a purge would delete now.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = PurgeResult()
    deliveries = deliveries_purgeable(older_than=older_than)
    notifications = notifications_purgeable(older_than=older_than)
    events = events_purgeable(older_than=older_than)
    if dry_run:
        result.deliveries = deliveries.count()
        result.notifications = notifications.count()
        result.events = events.count()
        return result
    deleted: Counter[str] = Counter()
    # Deliveries first: a notice or event goes only once none of its deliveries is left (the
    # cascade from a notice or event can therefore reach no delivery, yet is counted if it did).
    for queryset in (deliveries, notifications, events):
        deleted.update(_delete_in_batches(queryset, batch_size=batch_size))
    result.deliveries = deleted[Delivery._meta.label]
    result.notifications = deleted[Notification._meta.label]
    result.events = deleted[NotificationEvent._meta.label]
    return result
