"""The shipped calendars (data migration 0002) and the ``calendars_sync`` command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command

from aftersales.calendars import seed, selectors
from aftersales.calendars.engine import add_working_time, working_time_between
from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay, WeeklyHours
from aftersales.calendars.services import calendar_update

CST = timezone(timedelta(hours=8))
SHIPPED_CODES = ["24x7", "7x8", "cn-5x8"]


@pytest.fixture(autouse=True)
def _fresh_spec_cache():
    # The per-process spec cache outlives each test's rolled-back transaction, and versions are
    # reused after a rollback, so every test starts and ends with an empty cache.
    selectors._cache.clear()
    yield
    selectors._cache.clear()


def weekly_of(code: str) -> list[tuple[int, int, int]]:
    return list(
        WeeklyHours.objects.filter(calendar__code=code)
        .order_by("weekday", "start_minute")
        .values_list("weekday", "start_minute", "end_minute")
    )


def days_of(code: str, year: int | None = None) -> list[tuple[date, str, str]]:
    rows = CalendarDay.objects.filter(calendar__code=code).order_by("date")
    if year is not None:
        rows = rows.filter(date__year=year)
    return list(rows.values_list("date", "kind", "name"))


def data_years_of(code: str) -> list[tuple[int, str]]:
    return list(
        CalendarDataYear.objects.filter(calendar__code=code)
        .order_by("year")
        .values_list("year", "source")
    )


def sync() -> str:
    out = StringIO()
    call_command("calendars_sync", stdout=out)
    return out.getvalue()


def library_with_2027(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the installed chinese-calendar already knows 2027 (New Year on Jan 1)."""
    real = seed.china_holiday_data

    def with_2027():  # type: ignore[no-untyped-def]
        holidays, workdays, years = real()
        holidays = {**holidays, date(2027, 1, 1): "元旦", date(2027, 1, 2): "元旦"}
        workdays = {**workdays, date(2027, 1, 9): "元旦调休"}
        return holidays, workdays, [*years, 2027]

    monkeypatch.setattr(seed, "china_holiday_data", with_2027)


# --- what migrate ships -------------------------------------------------------------------------


def test_migrate_ships_exactly_the_three_calendars(db):
    # given a freshly migrated database without demo data
    # when
    codes = list(BusinessCalendar.objects.order_by("code").values_list("code", flat=True))
    # then
    assert codes == SHIPPED_CODES
    assert list(
        BusinessCalendar.objects.order_by("code").values_list(
            "timezone", "observes_holidays", "version"
        )
    ) == [("Asia/Shanghai", False, 1), ("Asia/Shanghai", False, 1), ("Asia/Shanghai", True, 1)]


def test_24x7_works_all_day_every_day_without_holidays(db):
    # given / when
    calendar = BusinessCalendar.objects.get(code="24x7")
    # then
    assert calendar.observes_holidays is False
    assert weekly_of("24x7") == [(d, 0, 1440) for d in range(7)]
    assert days_of("24x7") == []
    assert data_years_of("24x7") == []


def test_7x8_works_nine_to_five_every_day_without_holidays(db):
    # given / when
    calendar = BusinessCalendar.objects.get(code="7x8")
    # then
    assert calendar.observes_holidays is False
    assert weekly_of("7x8") == [(d, 540, 1020) for d in range(7)]
    assert days_of("7x8") == []
    assert data_years_of("7x8") == []


def test_cn_5x8_works_nine_to_five_monday_to_friday_and_observes_holidays(db):
    # given / when
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    # then
    assert calendar.observes_holidays is True
    assert calendar.timezone == "Asia/Shanghai"
    assert weekly_of("cn-5x8") == [(d, 540, 1020) for d in range(5)]


def test_cn_5x8_has_holiday_data_for_2004_to_2026_from_chinese_calendar(db):
    # given / when
    years = data_years_of("cn-5x8")
    # then
    assert years == [(y, "chinese-calendar") for y in range(2004, 2027)]


def test_cn_5x8_days_are_exactly_the_librarys(db):
    # given the library's own data
    expected = sorted(
        [(d, "holiday") for d in chinese_calendar.holidays]
        + [(d, "workday") for d in chinese_calendar.workdays]
    )
    # when
    stored = [(d, kind) for d, kind, _name in days_of("cn-5x8")]
    # then
    assert stored == expected
    assert len(stored) == 771


def test_cn_5x8_2026_national_day_is_october_1_to_7_and_october_10_is_worked(db):
    # given / when
    october = [row for row in days_of("cn-5x8", 2026) if row[0].month == 10]
    # then
    assert october == [
        *[(date(2026, 10, d), "holiday", "国庆节") for d in range(1, 8)],
        (date(2026, 10, 10), "workday", "国庆节调休"),
    ]


def test_cn_5x8_2026_spring_festival_is_february_15_to_23_with_two_makeup_days(db):
    # given / when
    february = [row for row in days_of("cn-5x8", 2026) if row[0].month == 2]
    # then
    assert february == [
        (date(2026, 2, 14), "workday", "春节调休"),
        *[(date(2026, 2, d), "holiday", "春节") for d in range(15, 24)],
        (date(2026, 2, 28), "workday", "春节调休"),
    ]


def test_cn_5x8_2026_has_33_holidays_and_6_makeup_days(db):
    # given / when
    rows = days_of("cn-5x8", 2026)
    # then
    assert [kind for _d, kind, _n in rows].count("holiday") == 33
    assert [d for d, kind, _n in rows if kind == "workday"] == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_cn_5x8_2026_has_248_working_days(db):
    # given the engine spec built from the seeded rows
    spec = selectors.calendar_spec("cn-5x8")
    # when
    seconds = working_time_between(
        spec, datetime(2026, 1, 1, tzinfo=CST), datetime(2027, 1, 1, tzinfo=CST)
    )
    # then 261 weekdays - 19 weekday holidays + 6 make-up days, 8 hours each
    assert seconds == 248 * 8 * 3600


def test_cn_5x8_seed_promise_72_hours_from_september_30_is_due_october_19(db):
    # given
    spec = selectors.calendar_spec("cn-5x8")
    # when
    due = add_working_time(spec, datetime(2026, 9, 30, 10, tzinfo=CST), 72 * 3600)
    # then 7 h on Sep 30, Oct 1-7 off, Oct 8, 9, 10 (make-up), 12-16, then 1 h on Oct 19
    assert due == datetime(2026, 10, 19, 2, tzinfo=UTC)


def test_seeding_again_changes_nothing(db):
    # given
    before = (days_of("cn-5x8"), data_years_of("cn-5x8"), weekly_of("7x8"))
    # when the migration's seed runs once more, with the real models
    seed.seed_shipped_calendars(BusinessCalendar, WeeklyHours, CalendarDay, CalendarDataYear)
    # then
    assert BusinessCalendar.objects.count() == 3
    assert (days_of("cn-5x8"), data_years_of("cn-5x8"), weekly_of("7x8")) == before


# --- calendars_sync ----------------------------------------------------------------------------


def test_calendars_sync_after_migrate_adds_nothing(db):
    # given
    before = (days_of("cn-5x8"), data_years_of("cn-5x8"))
    version = BusinessCalendar.objects.get(code="cn-5x8").version
    # when
    output = sync()
    # then
    assert output == "cn-5x8: added years none\n"
    assert (days_of("cn-5x8"), data_years_of("cn-5x8")) == before
    assert BusinessCalendar.objects.get(code="cn-5x8").version == version
    assert BusinessCalendar.objects.count() == 3


def test_calendars_sync_twice_is_idempotent(db):
    # given
    sync()
    before = (days_of("cn-5x8"), data_years_of("cn-5x8"), weekly_of("cn-5x8"))
    # when
    output = sync()
    # then
    assert output == "cn-5x8: added years none\n"
    assert (days_of("cn-5x8"), data_years_of("cn-5x8"), weekly_of("cn-5x8")) == before


def test_calendars_sync_keeps_an_administrators_edits_of_seeded_days(db, admin_user):
    # given an administrator renamed Oct 1 2026, dropped Oct 7 and dropped make-up day Oct 10
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    holidays = [
        (d, "国庆假期" if d == date(2026, 10, 1) else n)
        for d, kind, n in days_of("cn-5x8")
        if kind == "holiday" and d != date(2026, 10, 7)
    ]
    workdays = [
        (d, n) for d, kind, n in days_of("cn-5x8") if kind == "workday" and d != date(2026, 10, 10)
    ]
    calendar_update(
        by=admin_user, calendar=calendar, data={"holidays": holidays, "workdays": workdays}
    )
    edited = days_of("cn-5x8")
    # when
    output = sync()
    # then
    assert output == "cn-5x8: added years none\n"
    assert days_of("cn-5x8") == edited
    assert len(edited) == 769
    assert [row for row in days_of("cn-5x8", 2026) if row[0].month == 10] == [
        (date(2026, 10, 1), "holiday", "国庆假期"),
        *[(date(2026, 10, d), "holiday", "国庆节") for d in range(2, 7)],
    ]


def test_calendars_sync_keeps_an_administrators_weekly_hours(db, admin_user):
    # given
    calendar = BusinessCalendar.objects.get(code="7x8")
    calendar_update(by=admin_user, calendar=calendar, data={"weekly": [(0, 480, 1080)]})
    # when
    sync()
    # then
    assert weekly_of("7x8") == [(0, 480, 1080)]


def test_calendars_sync_recreates_a_missing_shipped_calendar(db):
    # given 7x8 is gone (renamed away: other apps' rows protect the original from deletion)
    BusinessCalendar.objects.filter(code="7x8").update(code="7x8-old")
    # when
    sync()
    # then
    assert list(BusinessCalendar.objects.order_by("code").values_list("code", flat=True)) == [
        "24x7",
        "7x8",
        "7x8-old",
        "cn-5x8",
    ]
    assert weekly_of("7x8") == [(d, 540, 1020) for d in range(7)]
    assert days_of("7x8") == []


def test_calendars_sync_adds_a_new_library_year_but_keeps_an_administrators_day(
    db, admin_user, monkeypatch
):
    # given an administrator entered Jan 1 2027 before the library knew 2027
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    holidays = [(d, n) for d, kind, n in days_of("cn-5x8") if kind == "holiday"]
    calendar_update(
        by=admin_user,
        calendar=calendar,
        data={"holidays": [*holidays, (date(2027, 1, 1), "新年（公司）")]},
    )
    library_with_2027(monkeypatch)
    # when
    sync()
    # then
    assert days_of("cn-5x8", 2027) == [
        (date(2027, 1, 1), "holiday", "新年（公司）"),
        (date(2027, 1, 2), "holiday", "元旦"),
        (date(2027, 1, 9), "workday", "元旦调休"),
    ]
    assert data_years_of("cn-5x8")[-2:] == [(2026, "chinese-calendar"), (2027, "chinese-calendar")]


def test_calendars_sync_reports_and_publishes_a_new_library_year(db, monkeypatch):
    # given a process that already computed across New Year 2027 (no data: a warning)
    start = datetime(2026, 12, 31, 16, tzinfo=CST)
    before = selectors.calendar_due("cn-5x8", start=start, seconds=2 * 3600)
    assert before.due_at == datetime(2027, 1, 1, 2, tzinfo=UTC)
    library_with_2027(monkeypatch)
    # when
    output = sync()
    # then Jan 1-2 2027 are off, so 1 h on Dec 31 and 1 h on Monday Jan 4
    assert output == "cn-5x8: added years [2027]\n"
    assert BusinessCalendar.objects.get(code="cn-5x8").version == 2
    after = selectors.calendar_due("cn-5x8", start=start, seconds=2 * 3600)
    assert after.due_at == datetime(2027, 1, 4, 2, tzinfo=UTC)
    assert after.warnings == []
