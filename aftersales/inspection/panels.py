"""The inspection panel on case pages: the delivery line a non-conformity case was opened for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.core.panels import has_rows, track
from aftersales.inspection.models import NonConformityCase

track(NonConformityCase)


def _panel(request: HttpRequest, case: Any, *, portal: bool) -> str | None:
    if not has_rows(case, NonConformityCase):
        return None
    link = (
        NonConformityCase.objects.select_related("line__delivery", "line__product")
        .filter(case=case)
        .first()
    )
    if link is None:
        return None
    return render_to_string(
        "inspection/case_panel.html",
        {"line": link.line, "delivery": link.line.delivery, "portal": portal},
        request=request,
    )


def console_panel(request: HttpRequest, case: Any) -> str | None:
    return _panel(request, case, portal=False)


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    return _panel(request, case, portal=True)
