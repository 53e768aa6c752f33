"""Background tasks of the notifications app."""

from __future__ import annotations

from celery import shared_task

from aftersales.notifications.services import (
    notifications_deliver,
    notifications_purge,
    retention_cutoff,
)


@shared_task
def notifications_deliver_task() -> dict[str, int]:
    """Fan out new events and notices and send due deliveries (every few seconds, and woken
    by each event's commit when a broker is configured)."""
    return notifications_deliver().as_dict()


@shared_task
def notifications_purge_task() -> dict[str, int]:
    """Delete finished deliveries, notices and events older than
    ``NOTIFICATIONS_RETENTION_DAYS`` (daily); 0 days keeps everything."""
    cutoff = retention_cutoff()
    if cutoff is None:
        return {}
    return notifications_purge(older_than=cutoff).as_dict()
