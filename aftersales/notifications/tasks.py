"""Background tasks of the notifications app."""

from __future__ import annotations

from celery import shared_task

from aftersales.notifications.services import notifications_deliver


@shared_task
def notifications_deliver_task() -> dict[str, int]:
    """Fan out new events and notices and send due deliveries (every few seconds, and woken
    by each event's commit when a broker is configured)."""
    return notifications_deliver().as_dict()
