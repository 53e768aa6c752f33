"""Background tasks of field service."""

from __future__ import annotations

from celery import shared_task

from aftersales.dispatch.services import rotations_generate_all


@shared_task
def rotations_generate_task() -> int:
    """Keep the on-call rotations written four weeks ahead (hourly)."""
    return rotations_generate_all()


@shared_task
def plans_open_due_task() -> int:
    """Open the planned maintenance and visit cases that have come due (hourly)."""
    from aftersales.dispatch.services import plans_open_due

    return plans_open_due()


@shared_task
def auto_dispatch_task() -> int:
    """Send engineers to the new cases an auto-dispatch rule covers (every minute)."""
    from aftersales.dispatch.services import auto_dispatch

    return auto_dispatch()
