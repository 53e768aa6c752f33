"""Background tasks of the SLA engine."""

from __future__ import annotations

from celery import shared_task

from aftersales.sla.services import sla_sweep


@shared_task
def sla_sweep_task() -> dict[str, int]:
    """Fire the warnings, breaches and escalations that have come due (every minute)."""
    result = sla_sweep()
    return {
        "clocks": result.clocks,
        "warnings": result.warnings,
        "breaches": result.breaches,
        "escalations": result.escalations,
        "notifications": result.notifications,
    }
