"""Background tasks of the reporting layer."""

from __future__ import annotations

from celery import shared_task


@shared_task
def report_schedules_task() -> int:
    """E-mail the scheduled reports whose period has ended (hourly)."""
    from aftersales.kpi.schedules import schedules_send_due

    return schedules_send_due()


@shared_task
def kpi_rollup_task() -> dict:
    """Bring the daily KPI rollups up to date (every minute): rebuild the days of the cases
    changed since the previous run and build the days closed since."""
    from aftersales.kpi.rollups import refresh

    return refresh()
