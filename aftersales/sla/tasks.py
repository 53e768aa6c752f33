"""Background tasks of the SLA engine."""

from __future__ import annotations

import time

from celery import shared_task

from aftersales.ops.metrics import record_sla_sweep
from aftersales.sla.services import sla_sweep


@shared_task
def sla_sweep_task() -> dict[str, int]:
    """Fire the warnings, breaches and escalations that have come due (every minute)."""
    started = time.perf_counter()
    result = sla_sweep()
    figures = {
        "clocks": result.clocks,
        "warnings": result.warnings,
        "breaches": result.breaches,
        "escalations": result.escalations,
        "notifications": result.notifications,
    }
    record_sla_sweep(seconds=time.perf_counter() - started, result=figures)
    return figures
