"""The service manual as one PDF (WeasyPrint, the CJK font the service reports use)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from aftersales.core import clock
from aftersales.knowledge import selectors
from aftersales.knowledge.models import Manual


def manual_html(manual: Manual, *, user: Any) -> str:
    articles = selectors.manual_articles(manual=manual, user=user)
    return render_to_string(
        "knowledge/manual_pdf.html",
        {"manual": manual, "articles": articles, "printed_at": clock.now()},
    )


def manual_pdf(manual: Manual, *, user: Any) -> bytes:
    """Render the articles of ``manual`` that ``user`` may read, in order, to PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    with translation.override(settings.LANGUAGE_CODE):
        html = manual_html(manual, user=user)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def manual_pdf_response(manual: Manual, *, user: Any) -> HttpResponse:
    response = HttpResponse(manual_pdf(manual, user=user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="manual-{manual.code}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
