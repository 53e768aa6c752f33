"""Export pages: my exports with a polling progress bar, and the download of a finished file.

``respond`` is what report pages call for ``?format=csv|xlsx``: the file at once when it is
small, otherwise a background job and a redirect to the exports page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError
from aftersales.exports import selectors, services, writers
from aftersales.exports.choices import ExportFormat, ExportStatus
from aftersales.exports.registry import get_report


def respond(request: HttpRequest, *, report: str, params: dict[str, Any], fmt: str) -> HttpResponse:
    """Answer an export request of ``report``: inline up to ``EXPORTS_INLINE_MAX_ROWS`` rows,
    as a background job (and a redirect to the exports page) above it."""
    found = get_report(report)
    if found is None or fmt not in ExportFormat.values:
        raise Http404
    if not found.allowed(request.user):
        raise Http404
    tables = found.tables(user=request.user, params=params, fmt=fmt)
    if sum(t.total for t in tables) > services.inline_max_rows():
        try:
            services.export_request(by=request.user, report=report, params=params, fmt=fmt)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(request.path)
        messages.info(
            request,
            _("This export is large: it is being prepared in the background."),
        )
        return redirect("exports:list")
    response = HttpResponse(writers.render(tables, fmt), content_type=writers.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{found.filename(params)}.{fmt}"'
    return response


@staff_required
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.exports_of(user=request.user)[:50]
    return render(request, "exports/list.html", {"nav": "exports", "jobs": jobs})


@staff_required
def export_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One job's row (the htmx poll of the progress bar); it stops polling once finished."""
    job = selectors.exports_of(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return render(request, "exports/_job.html", {"job": job})


@staff_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a finished export as an attachment; only its owner (or an administrator)."""
    job = selectors.export_get_for_download(user=request.user, pk=pk)
    if job is None or job.status != ExportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename,
        content_type=writers.CONTENT_TYPES[job.format],
    )
