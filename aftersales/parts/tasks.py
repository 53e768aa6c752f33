"""Periodic tasks of the spare-parts app (see AFTERSALES_PERIODIC_TASKS)."""

from __future__ import annotations

from aftersales.parts import services


def returns_overdue_task() -> int:
    """Remind customers before the faulty part is due; tell them once when it is overdue."""
    return services.returns_remind() + services.returns_overdue_notify()


def exchange_clock_task() -> int:
    """Write the 75 % warning and the breach of exchange repairs into the timelines."""
    return services.exchange_clock_check()
