"""Reads of warranty claims and quotes, scoped to what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from aftersales.cases.models import Case
from aftersales.cases.selectors import case_list_visible_to
from aftersales.warranty.models import ClaimAssessment, Quote, QuoteLine


def case_visible(*, user: Any, number: str) -> Case | None:
    """Return the case numbered ``number`` if ``user`` may see it."""
    return (
        case_list_visible_to(user=user)
        .select_related("asset__contract", "customer", "contact")
        .filter(number=number)
        .first()
    )


def claim_assessment(*, case: Case) -> ClaimAssessment | None:
    """Return the case's claim assessment, or ``None`` while undecided."""
    return (
        ClaimAssessment.objects.select_related("decided_by", "remedy_done_by")
        .prefetch_related("evidence")
        .filter(case=case)
        .first()
    )


def _quotes() -> QuerySet[Quote]:
    return Quote.objects.select_related("case", "created_by", "decided_by").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("id"))
    )


def case_quotes(*, case: Case) -> QuerySet[Quote]:
    """Return the case's quotes, oldest first."""
    return _quotes().filter(case=case).order_by("created_at", "id")


def quote_visible(*, user: Any, number: str) -> Quote | None:
    """Return the quote numbered ``number`` if ``user`` may see its case."""
    return _quotes().filter(number=number, case__in=case_list_visible_to(user=user)).first()
