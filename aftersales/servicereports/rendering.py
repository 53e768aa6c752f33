"""The PDF of a service report: HTML rendered by WeasyPrint with a CJK font."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from aftersales.servicereports.models import ReportAddendum, ServiceReport


def company_name() -> str:
    from django.utils.translation import gettext as _

    return getattr(settings, "SERVICE_REPORTS_COMPANY", "") or _("After-sales service")


def report_html(
    report: ServiceReport,
    *,
    addenda: Sequence[ReportAddendum] = (),
    signature_png: bytes | None = None,
) -> str:
    """Return the printable HTML of ``report`` (the signature embedded as a data URL)."""
    if signature_png is None and report.signature:
        with report.signature.open("rb") as f:
            signature_png = f.read()
    signature_url = (
        "data:image/png;base64," + base64.b64encode(signature_png).decode() if signature_png else ""
    )
    case = report.case
    context: dict[str, Any] = {
        "report": report,
        "case": case,
        "company": company_name(),
        "addenda": list(addenda),
        "signature_url": signature_url,
    }
    return render_to_string("servicereports/pdf.html", context)


def report_pdf(
    report: ServiceReport,
    *,
    addenda: Sequence[ReportAddendum] = (),
    signature_png: bytes | None = None,
) -> bytes:
    """Render ``report`` to PDF bytes (in the site's default language, Chinese)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Everything the PDF shows is inline (the signature is a data URL): no network, no files.
    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    with translation.override(settings.LANGUAGE_CODE):
        html = report_html(report, addenda=addenda, signature_png=signature_png)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
