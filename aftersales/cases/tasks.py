"""Background tasks of the cases app: thin, idempotent wrappers around services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from aftersales.cases.services import idempotency_records_purge
from aftersales.core import clock


@shared_task
def idempotency_records_purge_task() -> int:
    """Forget Idempotency-Keys older than ``CASES_IDEMPOTENCY_TTL_HOURS``."""
    cutoff = clock.now() - timedelta(hours=settings.CASES_IDEMPOTENCY_TTL_HOURS)
    return idempotency_records_purge(older_than=cutoff)
