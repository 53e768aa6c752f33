"""The service-report panels on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core.panels import has_rows, track
from aftersales.dispatch.models import Visit
from aftersales.servicereports import selectors
from aftersales.servicereports.models import ServiceReport

track(ServiceReport)


def _reports(request: HttpRequest, case: Any) -> list[ServiceReport]:
    if not has_rows(case, ServiceReport):
        return []
    return list(selectors.case_reports(case=case, user=request.user))  # type: ignore[arg-type]


def console_panel(request: HttpRequest, case: Any) -> str | None:
    reports = _reports(request, case)
    # Offered once the case has a finished visit (reports are written at the end of one).
    can_write = (
        has_capability(request.user, Capability.WORK_CASES)
        and has_rows(case, Visit)
        and case.visits.filter(status="done").exists()
    )
    if not reports and not can_write:
        return None
    return render_to_string(
        "servicereports/console_panel.html",
        {"case": case, "reports": reports, "can_write": can_write},
        request=request,
    )


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    reports = _reports(request, case)
    if not reports:
        return None
    return render_to_string(
        "servicereports/portal_panel.html", {"case": case, "reports": reports}, request=request
    )
