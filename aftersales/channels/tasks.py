"""Background tasks of the channels app: thin wrappers around services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from aftersales.channels.services.webhooks import webhook_events_purge
from aftersales.core import clock


@shared_task
def webhook_events_purge_task() -> int:
    """Forget webhook event ids older than ``CHANNELS_EVENT_RETENTION_DAYS``."""
    cutoff = clock.now() - timedelta(days=settings.CHANNELS_EVENT_RETENTION_DAYS)
    return webhook_events_purge(older_than=cutoff)
