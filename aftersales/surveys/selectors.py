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


def campaign_results(*, campaign: Any) -> dict[str, Any]:
    """Return a campaign's response rate and the average score of each score question."""
    from aftersales.surveys.models import Answer, Survey

    surveys = Survey.objects.filter(campaign=campaign)
    total = surveys.count()
    answered = surveys.filter(status=Survey.Status.ANSWERED).count()
    questions = list(campaign.questionnaire.questions.filter(kind="score"))
    averages = {
        row["question__code"]: row
        for row in Answer.objects.filter(survey__campaign=campaign, score__isnull=False)
        .values("question__code")
        .annotate(avg=Avg("score"), n=Count("id"))
    }
    return {
        "surveys": total,
        "answered": answered,
        "questions": [
            {
                "code": q.code,
                "text_zh": q.text_zh,
                "text_en": q.text_en,
                "average": round(float(averages[q.code]["avg"]), 2) if q.code in averages else None,
                "answers": averages.get(q.code, {}).get("n", 0),
            }
            for q in questions
        ],
    }


def open_follow_ups(*, user: Any) -> Any:
    """Return the open follow-ups: the supervisor's own first, then the rest."""
    from aftersales.surveys.models import FollowUp

    return (
        FollowUp.objects.filter(closed_at__isnull=True)
        .select_related("survey__customer", "survey__case", "assigned_to")
        .order_by("created_at")
    )
