"""Serving a report's PDF: the one place that turns it into an HTTP download."""

from __future__ import annotations

from django.http import FileResponse, Http404

from aftersales.servicereports import selectors
from aftersales.servicereports.models import ServiceReport
from aftersales.servicereports.services import pdf_name


def pdf_response(report: ServiceReport) -> FileResponse:
    pdf = selectors.current_pdf(report)
    if not pdf:
        raise Http404
    response = FileResponse(
        pdf.open("rb"),
        as_attachment=True,
        filename=pdf_name(report, 0),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
