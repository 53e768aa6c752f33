"""Reads of the customer portal that no other app shares."""

from __future__ import annotations

from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When

from aftersales.cases.selectors import case_list_visible_to
from aftersales.cases.transitions import OPEN

HOME_ROWS = 200  # cases on the portal's home page


def home_case_rows(*, user: Any) -> list[tuple[Any, ...]]:
    """Return the rows of the portal's case list: the organisation's cases, open ones first,
    newest first, at most ``HOME_ROWS``.

    Each row is ``(number, reported_at, severity, status, summary, asset serial number or
    None)``: only what the page shows, read as tuples (no model instances, no references
    beyond the asset's serial number), since the list is the most requested portal page.
    """
    return list(
        case_list_visible_to(user=user)
        .annotate(
            closed_first=When_(
                When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("closed_first", "-reported_at")
        .values_list(
            "number", "reported_at", "severity", "status", "summary", "asset__serial_number"
        )[:HOME_ROWS]
    )
