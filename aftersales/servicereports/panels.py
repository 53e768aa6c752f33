"""The service-report panels on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.servicereports import selectors


def console_panel(request: HttpRequest, case: Any) -> str | None:
    reports = list(selectors.case_reports(case=case, user=request.user))  # type: ignore[arg-type]
    # Offered once the case has a finished visit (reports are written at the end of one).
    can_write = has_capability(request.user, Capability.WORK_CASES) and (
        case.visits.filter(status="done").exists()
    )
    if not reports and not can_write:
        return None
    return render_to_string(
        "servicereports/console_panel.html",
        {"case": case, "reports": reports, "can_write": can_write},
        request=request,
    )


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    reports = list(selectors.case_reports(case=case, user=request.user))  # type: ignore[arg-type]
    if not reports:
        return None
    return render_to_string(
        "servicereports/portal_panel.html", {"case": case, "reports": reports}, request=request
    )
