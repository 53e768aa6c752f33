"""Reads of customer ratings."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from aftersales.surveys.models import Rating


def _month_start(day: date, back: int) -> date:
    """Return the first day of the month ``back`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly_satisfaction(*, customer: Any, today: date, months: int = 12) -> list[dict[str, Any]]:
    """Return the ratings of ``customer``'s cases month by month, oldest first: the last
    ``months`` months up to ``today``'s, each ``{"month": date, "avg": float | None, "n": int}``
    (months without ratings included, with ``avg`` None). Months are in the active time zone."""
    first = _month_start(today, months - 1)
    since = timezone.make_aware(timezone.datetime(first.year, first.month, 1))
    rows = (
        Rating.objects.filter(case__customer=customer, created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(avg=Avg("score"), n=Count("*"))
        .order_by()
    )
    found = {timezone.localtime(row["month"]).date(): row for row in rows}
    trend = []
    for back in range(months - 1, -1, -1):
        month = _month_start(today, back)
        row = found.get(month)
        trend.append(
            {"month": month, "avg": float(row["avg"]) if row else None, "n": row["n"] if row else 0}
        )
    return trend
