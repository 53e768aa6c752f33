"""The spare-parts panels on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.core.panels import has_rows, track
from aftersales.parts import services
from aftersales.parts.choices import EXCHANGE_NEXT, ExchangeStatus
from aftersales.parts.models import Depot, ExchangeRepair, Replacement

track(Replacement)
track(ExchangeRepair)


def _context(case: Any) -> dict[str, Any] | None:
    replacements = (
        list(Replacement.objects.filter(case=case).select_related("part", "depot").order_by("id"))
        if has_rows(case, Replacement)
        else []
    )
    exchanges = (
        list(
            ExchangeRepair.objects.filter(case=case).select_related("part", "depot").order_by("id")
        )
        if has_rows(case, ExchangeRepair)
        else []
    )
    if not replacements and not exchanges:
        return None
    return {"case": case, "replacements": replacements, "exchanges": exchanges}


def console_panel(request: HttpRequest, case: Any) -> str | None:
    may_order = services.may_request_parts(request.user)
    context = _context(case)
    if context is None:
        if not may_order or case.status in ("resolved", "closed"):
            return None
        context = {"case": case, "replacements": [], "exchanges": []}
    context.update(
        {
            "may_order": may_order and case.status not in ("resolved", "closed"),
            "may_move": services.may_move_stock(request.user),
            "depots": list(Depot.objects.order_by("code")),
            "exchange_next": EXCHANGE_NEXT,
        }
    )
    for x in context["exchanges"]:
        x.next_statuses = [ExchangeStatus(v) for v in EXCHANGE_NEXT[x.status]]
    return render_to_string("parts/console_panel.html", context, request=request)


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    context = _context(case)
    if context is None:
        return None
    return render_to_string("parts/portal_panel.html", context, request=request)
