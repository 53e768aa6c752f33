"""The spare-parts panels on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.parts.models import ExchangeRepair, Replacement


def _context(case: Any) -> dict[str, Any] | None:
    replacements = list(
        Replacement.objects.filter(case=case).select_related("part", "depot").order_by("id")
    )
    exchanges = list(
        ExchangeRepair.objects.filter(case=case).select_related("part", "depot").order_by("id")
    )
    if not replacements and not exchanges:
        return None
    return {"case": case, "replacements": replacements, "exchanges": exchanges}


def console_panel(request: HttpRequest, case: Any) -> str | None:
    context = _context(case)
    if context is None:
        return None
    return render_to_string("parts/console_panel.html", context, request=request)


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    context = _context(case)
    if context is None:
        return None
    return render_to_string("parts/portal_panel.html", context, request=request)
