"""The shipped calendars and the Chinese holiday data they are seeded with.

Used by the data migration (with historical models) and by ``aftersales calendars_sync`` (with
the real ones), so both take the model classes as arguments.
"""

from __future__ import annotations

from datetime import date
from typing import Any

CHINA_SOURCE = "chinese-calendar"

# chinese-calendar names its holidays in English; the calendar stores the Chinese names people
# use (content, not UI text).
CHINESE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

SHIPPED = [
    # code, name, timezone, observes holidays, {weekday: [(start_minute, end_minute)]}
    ("24x7", "7×24 全天候", "Asia/Shanghai", False, {d: [(0, 1440)] for d in range(7)}),
    (
        "7x8",
        "7×8 标准工作时（每天 09:00–17:00）",
        "Asia/Shanghai",
        False,
        {d: [(540, 1020)] for d in range(7)},
    ),
    (
        "cn-5x8",
        "中国工作日 5×8（周一至周五 09:00–17:00，法定节假日休息，调休上班）",
        "Asia/Shanghai",
        True,
        {d: [(540, 1020)] for d in range(5)},
    ),
]


def china_holiday_data() -> tuple[dict[date, str], dict[date, str], list[int]]:
    """Return the library's holidays, make-up working days and the years it covers completely."""
    import chinese_calendar

    holidays = {
        d: CHINESE_HOLIDAY_NAMES.get(str(n), str(n)) for d, n in chinese_calendar.holidays.items()
    }
    workdays = {
        d: f"{CHINESE_HOLIDAY_NAMES.get(str(n), str(n))}调休"
        for d, n in chinese_calendar.workdays.items()
    }
    years = sorted({d.year for d in holidays})
    return holidays, workdays, years


def sync_china_holidays(calendar: Any, CalendarDay: Any, CalendarDataYear: Any) -> list[int]:  # noqa: N803
    """Add the library's data for every year the calendar has none of; return the years added.

    Years already present are left alone, so dates an administrator edited are never overwritten.
    """
    holidays, workdays, years = china_holiday_data()
    known = set(CalendarDataYear.objects.filter(calendar=calendar).values_list("year", flat=True))
    added = [y for y in years if y not in known]
    if not added:
        return []
    taken = set(
        CalendarDay.objects.filter(calendar=calendar, date__year__in=added).values_list(
            "date", flat=True
        )
    )
    rows = [
        CalendarDay(calendar=calendar, date=d, kind=kind, name=name)
        for kind, source in (("holiday", holidays), ("workday", workdays))
        for d, name in sorted(source.items())
        if d.year in added and d not in taken
    ]
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    CalendarDataYear.objects.bulk_create(
        [CalendarDataYear(calendar=calendar, year=y, source=CHINA_SOURCE) for y in added]
    )
    return added


def seed_shipped_calendars(
    BusinessCalendar: Any,  # noqa: N803 - model classes, historical or real
    WeeklyHours: Any,  # noqa: N803
    CalendarDay: Any,  # noqa: N803
    CalendarDataYear: Any,  # noqa: N803
    *,
    sync: bool = True,
) -> None:
    """Create ``24x7``, ``7x8`` and ``cn-5x8`` if missing; with ``sync``, seed cn-5x8's Chinese
    holidays for the years it lacks."""
    for code, name, tz, observes, weekly in SHIPPED:
        calendar, created = BusinessCalendar.objects.get_or_create(
            code=code, defaults={"name": name, "timezone": tz, "observes_holidays": observes}
        )
        if created:
            WeeklyHours.objects.bulk_create(
                [
                    WeeklyHours(calendar=calendar, weekday=day, start_minute=start, end_minute=end)
                    for day, intervals in weekly.items()
                    for start, end in intervals
                ]
            )
        if observes and sync:
            sync_china_holidays(calendar, CalendarDay, CalendarDataYear)
