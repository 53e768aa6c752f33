"""Background tasks of the reporting layer."""

from __future__ import annotations

from celery import shared_task


@shared_task
def report_schedules_task() -> int:
    """E-mail the scheduled reports whose period has ended (hourly)."""
    from aftersales.kpi.schedules import schedules_send_due

    return schedules_send_due()
