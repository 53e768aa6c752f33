"""The field-service panel on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core import clock
from aftersales.dispatch import selectors
from aftersales.dispatch.forms import DispatchForm

# Candidates shown on the case page (the API lists all).
SHOWN = 5


def console_panel(request: HttpRequest, case: Any) -> str | None:
    visits = list(selectors.case_visits(case=case))
    context: dict[str, Any] = {"case": case, "visits": visits}
    if has_capability(request.user, Capability.WORK_CASES) and case.status not in (
        "resolved",
        "closed",
    ):
        candidates = selectors.dispatch_candidates(case=case, now=clock.now())
        context["candidates"] = candidates[:SHOWN]
        context["dispatch_form"] = DispatchForm(prefix="dispatch", candidates=candidates)
    if not visits and "candidates" not in context:
        return None
    return render_to_string("dispatch/console_panel.html", context, request=request)


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    visits = list(selectors.case_visits(case=case))
    if not visits:
        return None
    return render_to_string(
        "dispatch/portal_panel.html", {"case": case, "visits": visits}, request=request
    )
