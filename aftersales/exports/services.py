"""Writes of the exports app: request a background export, run it with progress, purge old files.

A job is run by ``export_run``: in production by a Celery worker (queued when the request
commits); in the embedded mode (no broker) by a daemon thread of the web process, and any job
left queued (a restart, a lost message) is picked up by the periodic ``exports_sweep_task``.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.errors import DomainError, NotAllowed, ValidationFailed
from aftersales.exports import writers
from aftersales.exports.choices import ExportFormat, ExportStatus
from aftersales.exports.models import ExportJob
from aftersales.exports.registry import Report, get_report

logger = logging.getLogger(__name__)


def inline_max_rows() -> int:
    """Exports of more rows than this run in the background (``EXPORTS_INLINE_MAX_ROWS``)."""
    return int(getattr(settings, "EXPORTS_INLINE_MAX_ROWS", 5000))


def _report_for(*, user: Any, report: str, fmt: str) -> Report:
    found = get_report(report)
    if found is None:
        raise ValidationFailed(_("Unknown report."), field="report")
    if fmt not in ExportFormat.values:
        raise ValidationFailed(_("Choose CSV or Excel."), field="format")
    if not found.allowed(user):
        raise NotAllowed(_("You may not export this report."))
    return found


def export_request(*, by: Any, report: str, params: dict[str, Any], fmt: str) -> ExportJob:
    """Queue a background export of ``report`` with ``params`` for ``by``.

    The job runs after the commit (see the module docstring). Raises ValidationFailed for an
    unknown report or format and NotAllowed if ``by`` may not export the report.
    """
    found = _report_for(user=by, report=report, fmt=fmt)
    with transaction.atomic():
        job = ExportJob(
            user=by,
            report=report,
            title=str(found.title),
            params=params,
            format=fmt,
            filename=f"{found.filename(params)}.{fmt}",
            created_at=clock.now(),
        )
        job.full_clean()
        job.save()
        transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(pk: int) -> None:
    from aftersales.exports.tasks import export_run_task

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        export_run_task.delay(pk)
    elif getattr(settings, "AFTERSALES_SCHEDULER_ENABLED", False):
        thread = threading.Thread(target=_run_in_thread, args=(pk,), name=f"export-{pk}")
        thread.daemon = True
        thread.start()
    # Otherwise (tests, management shells) the job waits for export_run or the sweep task.


def _run_in_thread(pk: int) -> None:
    close_old_connections()
    try:
        export_run(job_id=pk)
    finally:
        close_old_connections()


def export_run(
    *, job_id: int, on_progress: Callable[[ExportJob], None] | None = None
) -> ExportJob | None:
    """Produce the file of a queued job, storing its progress as it goes; return the job.

    The job is claimed (queued → running) with one conditional update, so two runners never
    write the same job; a job that is not queued any more is left alone (returns None). The
    progress (``rows_done`` of ``rows_total``) is saved at most every
    ``EXPORTS_PROGRESS_SECONDS`` and after the last row, outside any long transaction so the
    progress page sees it; ``on_progress`` is called after each save. Any error marks the job
    failed with a message; nothing is raised.
    """
    now = clock.now()
    if not ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now
    ):
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        report = _report_for(user=job.user, report=job.report, fmt=job.format)
        tables = report.tables(user=job.user, params=job.params, fmt=job.format)
        total = sum(t.total for t in tables)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_done=0)
        job.rows_total, job.rows_done = total, 0
        every = float(getattr(settings, "EXPORTS_PROGRESS_SECONDS", 1.0))
        last = time.monotonic()

        def save_progress(done: int, *, force: bool = False) -> None:
            nonlocal last
            if not force and time.monotonic() - last < every:
                return
            last = time.monotonic()
            job.rows_done = min(done, total)
            ExportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done)
            if on_progress:
                on_progress(job)

        with tempfile.TemporaryFile() as out:
            done = writers.write(tables, job.format, out, progress=save_progress)
            if done != total:
                total = done  # the data moved between counting and writing
                ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
                job.rows_total = total
            save_progress(done, force=True)
            out.seek(0)
            job.file.save(job.filename, File(out), save=False)
        job.status, job.finished_at = ExportStatus.DONE, clock.now()
        job.save(update_fields=["file", "status", "finished_at"])
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        message = str(exc.message) if isinstance(exc, DomainError) else _("The export failed.")
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=message, finished_at=clock.now()
        )
        job.refresh_from_db()
    return job


def exports_sweep(*, now: Any = None) -> dict[str, int]:
    """Run jobs left queued, fail stale running ones and purge expired files; return counts.

    - A job queued for more than ``EXPORTS_REQUEUE_SECONDS`` (its dispatch was lost) runs now.
    - A job running for more than ``EXPORTS_STALE_HOURS`` (its worker died) is marked failed.
    - A job that finished more than ``EXPORTS_KEEP_DAYS`` ago is deleted with its file.
    """
    now = now or clock.now()
    requeue = int(getattr(settings, "EXPORTS_REQUEUE_SECONDS", 60))
    stale = int(getattr(settings, "EXPORTS_STALE_HOURS", 6))
    ran = 0
    for pk in list(
        ExportJob.objects.filter(
            status=ExportStatus.QUEUED, created_at__lt=now - timedelta(seconds=requeue)
        ).values_list("pk", flat=True)
    ):
        if export_run(job_id=pk) is not None:
            ran += 1
    failed = ExportJob.objects.filter(
        status=ExportStatus.RUNNING, started_at__lt=now - timedelta(hours=stale)
    ).update(status=ExportStatus.FAILED, error=_("The export was interrupted."), finished_at=now)
    return {"ran": ran, "failed": failed, "purged": exports_purge(now=now)}


def exports_purge(*, now: Any = None) -> int:
    """Delete the jobs (and files) that finished more than ``EXPORTS_KEEP_DAYS`` days ago."""
    now = now or clock.now()
    days = int(getattr(settings, "EXPORTS_KEEP_DAYS", 7))
    old = ExportJob.objects.filter(
        Q(status__in=[ExportStatus.DONE, ExportStatus.FAILED]),
        finished_at__lt=now - timedelta(days=days),
    )
    purged = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        purged += 1
    return purged
