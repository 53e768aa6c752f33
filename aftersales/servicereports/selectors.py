"""Service-report reads: a case's reports, one report as a user may see it, its current PDF."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from aftersales.accounts.models import User
from aftersales.cases.models import Case
from aftersales.cases.selectors import case_list_visible_to
from aftersales.servicereports.models import ReportAddendum, ServiceReport


def _with_details(qs: QuerySet[ServiceReport]) -> QuerySet[ServiceReport]:
    return qs.select_related(
        "case__customer", "case__site", "case__asset__product", "case__contact", "visit", "engineer"
    ).prefetch_related(
        Prefetch("addenda", queryset=ReportAddendum.objects.select_related("author"))
    )


def case_reports(*, case: Case, user: User) -> QuerySet[ServiceReport]:
    """The reports of ``case``: all for staff; customers see signed ones only."""
    qs = _with_details(ServiceReport.objects.filter(case=case))
    if user.is_customer_contact:
        qs = qs.filter(status="signed")
    return qs.order_by("created_at", "id")


def report_visible_to(*, user: User, pk: Any) -> ServiceReport | None:
    """The report ``pk`` if ``user`` may see it (customers: signed reports of their own
    organisation's cases), else ``None``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    qs = ServiceReport.objects.filter(pk=pk, case__in=case_list_visible_to(user=user))
    if user.is_customer_contact:
        qs = qs.filter(status="signed")
    return _with_details(qs).first()


def current_pdf(report: ServiceReport) -> Any:
    """The newest PDF of a signed report (with every addendum so far), or ``None`` for a draft."""
    if not report.is_signed:
        return None
    addenda = [a for a in report.addenda.all() if a.pdf]
    return addenda[-1].pdf if addenda else report.pdf
