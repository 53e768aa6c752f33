"""The field-service panel on the console and portal case pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core import clock
from aftersales.core.panels import has_rows, track
from aftersales.dispatch import selectors
from aftersales.dispatch.forms import DispatchForm
from aftersales.dispatch.models import ChecklistItem, Loan, Visit

for _model in (Visit, ChecklistItem, Loan):
    track(_model)

# Candidates shown on the case page (the API lists all).
SHOWN = 5
# Offer a backup unit when the restore target is this close (or past).
LOAN_HINT = timedelta(hours=4)


def _visits(case: Any) -> list[Visit]:
    return list(selectors.case_visits(case=case)) if has_rows(case, Visit) else []


def _loans(case: Any) -> list[Loan]:
    return list(selectors.case_loans(case=case)) if has_rows(case, Loan) else []


def console_panel(request: HttpRequest, case: Any) -> str | None:
    visits = _visits(case)
    checklist = list(selectors.case_checklist(case=case)) if has_rows(case, ChecklistItem) else []
    loans = _loans(case)
    context: dict[str, Any] = {
        "case": case,
        "visits": visits,
        "checklist": checklist,
        "loans": loans,
        "can_work": has_capability(request.user, Capability.WORK_CASES),
    }
    if has_capability(request.user, Capability.WORK_CASES) and case.status not in (
        "resolved",
        "closed",
    ):
        candidates = selectors.dispatch_candidates(case=case, now=clock.now())
        context["candidates"] = candidates[:SHOWN]
        context["dispatch_form"] = DispatchForm(prefix="dispatch", candidates=candidates)
        product = case.asset.product if case.asset_id else None
        context["units"] = list(selectors.units_available(product=product)[:20])
        live = getattr(case, "live_sla_clocks", None)
        if live is None:
            live = list(case.sla_clocks.exclude(state="cancelled"))
        restore = next((c for c in live if c.target == "restore"), None)
        context["offer_loan"] = bool(
            restore is not None
            and not restore.met_at
            and (restore.state == "breached" or restore.due_at <= clock.now() + LOAN_HINT)
        )
    if not (visits or checklist or loans) and "candidates" not in context:
        return None
    return render_to_string("dispatch/console_panel.html", context, request=request)


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    visits = _visits(case)
    if not visits:
        return None
    loans = _loans(case)
    return render_to_string(
        "dispatch/portal_panel.html",
        {"case": case, "visits": visits, "loans": loans},
        request=request,
    )
