"""Background tasks of the exports app."""

from __future__ import annotations

from celery import shared_task


@shared_task
def export_run_task(job_id: int) -> str | None:
    """Produce the file of one queued export job (a no-op if it is not queued any more)."""
    from aftersales.exports.services import export_run

    job = export_run(job_id=job_id)
    return job.status if job else None


@shared_task
def exports_sweep_task() -> dict[str, int]:
    """Run lost queued jobs, fail stale ones, purge expired files (periodic)."""
    from aftersales.exports.services import exports_sweep

    return exports_sweep()
