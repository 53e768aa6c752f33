from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aftersales.surveys.models import Rating
from aftersales.surveys.selectors import monthly_satisfaction

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rate(case, score, at):
    return Rating.objects.create(case=case, score=score, created_at=at)


def test_monthly_satisfaction_by_local_month_with_empty_months(make_case, customer, other_customer):
    # 23:30 on 31 October in Shanghai is still October there (15:30 UTC).
    rate(make_case(), 2, datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    rate(make_case(), 5, datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI))
    rate(make_case(), 4, datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))  # November there
    rate(make_case(), 1, datetime(2025, 11, 30, 12, 0, tzinfo=SHANGHAI))  # 13 months back
    rate(make_case(customer=other_customer), 1, datetime(2026, 11, 3, tzinfo=SHANGHAI))

    trend = monthly_satisfaction(customer=customer, today=date(2026, 11, 25), months=3)

    assert trend == [
        {"month": date(2026, 9, 1), "avg": None, "n": 0},
        {"month": date(2026, 10, 1), "avg": 3.5, "n": 2},
        {"month": date(2026, 11, 1), "avg": 4.0, "n": 1},
    ]
    year = monthly_satisfaction(customer=customer, today=date(2026, 11, 25))
    assert len(year) == 12
    assert year[0]["month"] == date(2025, 12, 1)  # the rating of 2025-11-30 is outside
    assert sum(row["n"] for row in year) == 3
