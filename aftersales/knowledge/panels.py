"""The knowledge panel on the console case page: search, link, insert, solved, new draft."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.cases.choices import CaseStatus
from aftersales.core.panels import has_rows, track
from aftersales.knowledge import selectors
from aftersales.knowledge.models import ArticleCaseLink

track(ArticleCaseLink)


def console_panel(request: HttpRequest, case: Any) -> str | None:
    if not selectors.can_edit(request.user):
        return None
    context = {
        "case": case,
        "links": (
            list(selectors.case_article_links(case=case)) if has_rows(case, ArticleCaseLink) else []
        ),
        "can_draft": case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED),
    }
    return render_to_string("knowledge/console_panel.html", context, request=request)
