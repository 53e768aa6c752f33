"""Periodic tasks of the spare-parts app (see AFTERSALES_PERIODIC_TASKS): Celery beat runs them
in production, the in-process scheduler in the embedded mode."""

from __future__ import annotations

from celery import shared_task

from aftersales.parts import services


@shared_task
def returns_overdue_task() -> int:
    """Remind customers before the faulty part is due; tell them once when it is overdue."""
    return services.returns_remind() + services.returns_overdue_notify()


@shared_task
def exchange_clock_task() -> int:
    """Warn at 75 % of an exchange repair's 72 working hours; escalate the case at 100 %."""
    return services.exchange_clock_check()
