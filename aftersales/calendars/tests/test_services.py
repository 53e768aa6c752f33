"""Calendar services: create, update, import and export, and the errors they raise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import icalendar
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from aftersales.calendars import selectors
from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay, WeeklyHours
from aftersales.calendars.services import (
    calendar_create,
    calendar_export_csv,
    calendar_export_ical,
    calendar_import,
    calendar_update,
)
from aftersales.core.errors import DomainError, NotAllowed, ValidationFailed

CST = timezone(timedelta(hours=8))
NINE_TO_FIVE = [(d, 540, 1020) for d in range(5)]


@pytest.fixture(autouse=True)
def _english_and_fresh_spec_cache():
    # Messages are asserted in English; the per-process spec cache outlives each test's
    # rolled-back transaction (and versions are reused after a rollback), so clear it.
    selectors._cache.clear()
    with translation.override("en"):
        yield
    selectors._cache.clear()


@pytest.fixture
def depot_calendar(db):
    """A holiday-observing calendar made by the real service (no acting user: a system write)."""
    return calendar_create(
        by=None,
        code="depot",
        name="仓库工作日",
        observes_holidays=True,
        weekly=[(0, 540, 720), (0, 810, 1050), *NINE_TO_FIVE[1:]],
        holidays=[(date(2026, 10, 1), "国庆节"), (date(2026, 10, 2), "国庆节")],
        workdays=[(date(2026, 10, 10), "国庆节调休")],
        data_years=[2026, 2025],
    )


def state(code: str) -> dict[str, Any]:
    """Everything stored for one calendar, to compare before and after a refused write."""
    calendar = BusinessCalendar.objects.filter(code=code)
    return {
        "calendar": list(
            calendar.values_list(
                "name", "timezone", "observes_holidays", "description", "version", "updated_at"
            )
        ),
        "weekly": list(
            WeeklyHours.objects.filter(calendar__code=code)
            .order_by("weekday", "start_minute")
            .values_list("weekday", "start_minute", "end_minute")
        ),
        "days": list(
            CalendarDay.objects.filter(calendar__code=code)
            .order_by("date")
            .values_list("date", "kind", "name")
        ),
        "years": list(
            CalendarDataYear.objects.filter(calendar__code=code)
            .order_by("year")
            .values_list("year", "source")
        ),
    }


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\n".join(["date,kind,name", *lines, ""]).encode(encoding)


# --- create ------------------------------------------------------------------------------------


def test_calendar_create_stores_hours_days_and_data_years(depot_calendar):
    # given the fixture's calendar
    # when
    stored = state("depot")
    # then
    assert stored == {
        "calendar": [
            ("仓库工作日", "Asia/Shanghai", True, "", 1, depot_calendar.updated_at),
        ],
        "weekly": [(0, 540, 720), (0, 810, 1050), *[(d, 540, 1020) for d in range(1, 5)]],
        "days": [
            (date(2026, 10, 1), "holiday", "国庆节"),
            (date(2026, 10, 2), "holiday", "国庆节"),
            (date(2026, 10, 10), "workday", "国庆节调休"),
        ],
        "years": [(2025, "api"), (2026, "api")],
    }


@pytest.mark.parametrize("role", ["agent", "supervisor", "engineer", "parts_clerk"])
def test_calendar_create_by_a_non_administrator_raises_not_allowed(make_user, role):
    # given
    user = make_user(role)
    # when
    with pytest.raises(NotAllowed) as caught:
        calendar_create(by=user, code="mine", name="mine", weekly=NINE_TO_FIVE)
    # then
    assert caught.value.status_code == 403
    assert isinstance(caught.value, DomainError)
    assert BusinessCalendar.objects.filter(code="mine").exists() is False
    assert BusinessCalendar.objects.count() == 3


def test_calendar_create_with_a_date_off_and_on_raises_on_workdays(admin_user):
    # given / when
    with pytest.raises(ValidationFailed) as caught:
        calendar_create(
            by=admin_user,
            code="both",
            name="both",
            weekly=NINE_TO_FIVE,
            holidays=[(date(2026, 10, 1), "国庆节"), (date(2026, 10, 3), "")],
            workdays=[(date(2026, 10, 3), ""), (date(2026, 10, 1), "")],
        )
    # then
    assert caught.value.field == "workdays"
    assert caught.value.as_data() == {
        "workdays": [
            "A date cannot be both a holiday and a make-up working day: 2026-10-01, 2026-10-03."
        ]
    }
    assert BusinessCalendar.objects.filter(code="both").exists() is False


def test_calendar_create_with_overlapping_hours_raises_on_weekly_and_writes_nothing(admin_user):
    # given / when
    with pytest.raises(ValidationFailed) as caught:
        calendar_create(
            by=admin_user, code="overlap", name="x", weekly=[(0, 540, 720), (0, 700, 1020)]
        )
    # then
    assert caught.value.field == "weekly"
    assert "overlaps" in caught.value.message
    assert BusinessCalendar.objects.filter(code="overlap").exists() is False
    assert WeeklyHours.objects.filter(calendar__code="overlap").count() == 0


def test_calendar_create_with_an_unknown_zone_raises_djangos_error_on_timezone(admin_user):
    # given / when
    with pytest.raises(ValidationError) as caught:
        calendar_create(by=admin_user, code="mars", name="x", timezone="Mars/Base")
    # then
    assert list(caught.value.message_dict) == ["timezone"]
    assert BusinessCalendar.objects.filter(code="mars").exists() is False


# --- update ------------------------------------------------------------------------------------


def test_calendar_update_replaces_given_lists_wholesale_and_keeps_the_others(
    depot_calendar, admin_user
):
    # given
    before = state("depot")
    # when
    result = calendar_update(
        by=admin_user,
        calendar=depot_calendar,
        data={"weekly": [(5, 600, 960)], "holidays": [(date(2026, 12, 25), "圣诞")]},
    )
    # then
    after = state("depot")
    assert result.version == 2
    assert after["weekly"] == [(5, 600, 960)]
    assert after["days"] == [
        (date(2026, 10, 10), "workday", "国庆节调休"),
        (date(2026, 12, 25), "holiday", "圣诞"),
    ]
    assert after["years"] == before["years"]
    assert after["calendar"][0][:4] == before["calendar"][0][:4]


def test_calendar_update_of_plain_fields_keeps_hours_and_days(depot_calendar, admin_user):
    # given
    before = state("depot")
    # when
    calendar_update(
        by=admin_user,
        calendar=depot_calendar,
        data={"name": "华东仓库", "description": "上海仓", "observes_holidays": False},
    )
    # then
    after = state("depot")
    assert after["calendar"][0][:5] == ("华东仓库", "Asia/Shanghai", False, "上海仓", 2)
    assert (after["weekly"], after["days"], after["years"]) == (
        before["weekly"],
        before["days"],
        before["years"],
    )


def test_calendar_update_replaces_data_years(depot_calendar, admin_user):
    # given the fixture has 2025 and 2026
    # when
    calendar_update(by=admin_user, calendar=depot_calendar, data={"data_years": [2026, 2027]})
    # then
    assert state("depot")["years"] == [(2026, "api"), (2027, "api")]


def test_calendar_update_bumps_the_version_on_every_change(depot_calendar, admin_user):
    # given
    calendar_update(by=admin_user, calendar=depot_calendar, data={"name": "a"})
    # when
    result = calendar_update(by=admin_user, calendar=depot_calendar, data={"holidays": []})
    # then
    assert result.version == 3
    assert BusinessCalendar.objects.get(code="depot").version == 3


@pytest.mark.parametrize("role", ["agent", "supervisor", "engineer", "inspector"])
def test_calendar_update_by_a_non_administrator_raises_not_allowed(depot_calendar, make_user, role):
    # given
    user = make_user(role)
    before = state("depot")
    # when
    with pytest.raises(NotAllowed):
        calendar_update(by=user, calendar=depot_calendar, data={"name": "x", "holidays": []})
    # then
    assert state("depot") == before


def test_calendar_update_by_a_customer_contact_raises_not_allowed(depot_calendar, contact_user):
    # given
    before = state("depot")
    # when
    with pytest.raises(NotAllowed):
        calendar_update(by=contact_user, calendar=depot_calendar, data={"weekly": []})
    # then
    assert state("depot") == before


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"weekly": [(0, 540, 720), (0, 719, 1020)]}, "weekly", "overlaps"),
        ({"weekly": [(0, 600, 540)]}, "weekly", "start < end"),
        ({"weekly": [(7, 540, 1020)]}, "weekly", "weekday keys must be 0..6"),
        ({"weekly": [(0, 540, 1500)]}, "weekly", "start < end <= 24:00"),
        ({"holidays": [(date(2026, 10, 10), "")]}, "workdays", "2026-10-10"),
        (
            {"holidays": [(date(2026, 5, 1), "")], "workdays": [(date(2026, 5, 1), "")]},
            "workdays",
            "2026-05-01",
        ),
        ({"workdays": [(date(2026, 10, 2), "")]}, "workdays", "2026-10-02"),
    ],
)
def test_calendar_update_with_bad_input_raises_validation_failed_naming_the_field(
    depot_calendar, admin_user, data, field, fragment
):
    # given
    before = state("depot")
    # when
    with pytest.raises(ValidationFailed) as caught:
        calendar_update(by=admin_user, calendar=depot_calendar, data={"name": "new", **data})
    # then
    assert caught.value.field == field
    assert caught.value.status_code == 400
    assert fragment in caught.value.message
    assert state("depot") == before


def test_calendar_update_with_an_unknown_zone_raises_djangos_error_on_timezone(
    depot_calendar, admin_user
):
    # given
    before = state("depot")
    # when
    with pytest.raises(ValidationError) as caught:
        calendar_update(by=admin_user, calendar=depot_calendar, data={"timezone": "Mars/Base"})
    # then
    assert list(caught.value.message_dict) == ["timezone"]
    assert state("depot") == before


def test_calendar_update_moves_a_holiday_to_a_makeup_day_in_one_change(depot_calendar, admin_user):
    # given Oct 2 is a holiday
    # when it becomes a make-up working day in the same change
    calendar_update(
        by=admin_user,
        calendar=depot_calendar,
        data={
            "holidays": [(date(2026, 10, 1), "国庆节")],
            "workdays": [(date(2026, 10, 2), "调休"), (date(2026, 10, 10), "国庆节调休")],
        },
    )
    # then
    assert state("depot")["days"] == [
        (date(2026, 10, 1), "holiday", "国庆节"),
        (date(2026, 10, 2), "workday", "调休"),
        (date(2026, 10, 10), "workday", "国庆节调休"),
    ]


def test_calendar_update_moves_a_makeup_day_to_a_holiday_in_one_change(depot_calendar, admin_user):
    # given Oct 10 is a make-up working day
    # when it becomes a holiday in the same change
    calendar_update(
        by=admin_user,
        calendar=depot_calendar,
        data={
            "holidays": [(date(2026, 10, 1), "国庆节"), (date(2026, 10, 10), "公司假日")],
            "workdays": [],
        },
    )
    # then
    assert state("depot")["days"] == [
        (date(2026, 10, 1), "holiday", "国庆节"),
        (date(2026, 10, 10), "holiday", "公司假日"),
    ]


def test_calendar_update_of_days_only_moves_updated_at(admin_user):
    # given a calendar created at 10:00
    with time_machine.travel(datetime(2026, 3, 2, 2, tzinfo=UTC), tick=False):
        calendar = calendar_create(by=admin_user, code="stamp", name="x", weekly=NINE_TO_FIVE)
    # when its holidays change at 11:00
    with time_machine.travel(datetime(2026, 3, 2, 3, tzinfo=UTC), tick=False):
        calendar_update(
            by=admin_user, calendar=calendar, data={"holidays": [(date(2026, 5, 1), "")]}
        )
    # then
    assert BusinessCalendar.objects.get(code="stamp").updated_at == datetime(
        2026, 3, 2, 3, tzinfo=UTC
    )


def test_a_rolled_back_change_is_never_computed_on(admin_user):
    # given a change (Oct 8 2026 off) that was computed on and then rolled back
    calendar = BusinessCalendar.objects.get(code="cn-5x8")
    holidays = list(
        CalendarDay.objects.filter(calendar=calendar, kind="holiday").values_list("date", "name")
    )
    start = datetime(2026, 9, 30, 16, tzinfo=CST)

    def change_compute_and_roll_back() -> None:
        with transaction.atomic():
            calendar_update(
                by=admin_user,
                calendar=calendar,
                data={"holidays": [*holidays, (date(2026, 10, 8), "公司假日")]},
            )
            answer = selectors.calendar_due(calendar.code, start=start, seconds=7200)
            assert answer.due_at == datetime(2026, 10, 9, 2, tzinfo=UTC)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        change_compute_and_roll_back()
    # when an unrelated change is committed
    calendar_update(by=admin_user, calendar=calendar, data={"name": "中国工作日"})
    # then Oct 8 is an ordinary working day again: 1 h on Sep 30, 1 h on Oct 8
    answer = selectors.calendar_due("cn-5x8", start=start, seconds=7200)
    assert answer.due_at == datetime(2026, 10, 8, 2, tzinfo=UTC)


# --- import ------------------------------------------------------------------------------------


def test_calendar_import_adds_days_replaces_same_dates_and_marks_years(depot_calendar, admin_user):
    # given the fixture has Oct 1-2 off and Oct 10 on, data years 2025-2026
    content = csv_bytes(
        "2026-10-10,holiday,公司假日",
        "2027-01-01,holiday,元旦",
        "2027-02-06,workday,春节调休",
    )
    # when
    result = calendar_import(
        by=admin_user, calendar=depot_calendar, content=content, filename="days.csv"
    )
    # then
    assert result == {"days": 3, "years": [2026, 2027]}
    after = state("depot")
    assert after["days"] == [
        (date(2026, 10, 1), "holiday", "国庆节"),
        (date(2026, 10, 2), "holiday", "国庆节"),
        (date(2026, 10, 10), "holiday", "公司假日"),
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2027, 2, 6), "workday", "春节调休"),
    ]
    assert after["years"] == [(2025, "api"), (2026, "api"), (2027, "import")]
    assert after["calendar"][0][4] == 2


def test_calendar_import_reads_a_byte_order_mark_and_a_file_without_names(
    depot_calendar, admin_user
):
    # given
    content = "\ufeffdate,kind\n2026-06-19,holiday\n".encode()
    # when
    result = calendar_import(by=admin_user, calendar=depot_calendar, content=content)
    # then
    assert result == {"days": 1, "years": [2026]}
    assert (date(2026, 6, 19), "holiday", "") in state("depot")["days"]


def test_calendar_import_reads_icalendar_categories_as_kinds(depot_calendar, admin_user):
    # given
    content = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        b"BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year\r\n"
        b"END:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20270206\r\nSUMMARY:Make-up\r\n"
        b"CATEGORIES:WORKDAY\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )
    # when
    result = calendar_import(
        by=admin_user, calendar=depot_calendar, content=content, filename="days.ics"
    )
    # then
    assert result == {"days": 2, "years": [2027]}
    assert state("depot")["days"][-2:] == [
        (date(2027, 1, 1), "holiday", "New Year"),
        (date(2027, 2, 6), "workday", "Make-up"),
    ]


@pytest.mark.parametrize("role", ["agent", "supervisor", "engineer"])
def test_calendar_import_by_a_non_administrator_raises_not_allowed(depot_calendar, make_user, role):
    # given
    user = make_user(role)
    before = state("depot")
    # when
    with pytest.raises(NotAllowed) as caught:
        calendar_import(
            by=user, calendar=depot_calendar, content=csv_bytes("2027-01-01,holiday,元旦")
        )
    # then
    assert caught.value.status_code == 403
    assert state("depot") == before


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            csv_bytes("2027-01-01,holiday,元旦", "2027-02-30,holiday,x"),
            "a.csv",
            "Line 3: “2027-02-30” is not a date (YYYY-MM-DD).",
        ),
        (
            csv_bytes("2027-01-01,vacation,x"),
            "a.csv",
            "Line 2: the kind must be holiday or workday.",
        ),
        (
            csv_bytes("2027-01-01,holiday,元旦", "2027-01-01,workday,元旦"),
            "a.csv",
            "2027-01-01 is listed both as a holiday and as a make-up day.",
        ),
        (
            csv_bytes("2027-01-01,holiday,元旦", encoding="gbk"),
            "a.csv",
            "The CSV file must be UTF-8 encoded.",
        ),
        (b"", "a.csv", "The CSV file needs the columns date and kind (name is optional)."),
        (b"date,kind,name\n", "a.csv", "The file holds no days."),
        (
            b"day,type\n2027-01-01,holiday\n",
            "a.csv",
            "The CSV file needs the columns date and kind (name is optional).",
        ),
        (
            b"BEGIN:VCALENDAR\nthis is not ical\n",
            "a.ics",
            "The file is not a valid iCalendar file.",
        ),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
            "a.ics",
            "The file holds no days.",
        ),
    ],
    ids=[
        "bad-date",
        "bad-kind",
        "both-kinds",
        "gbk",
        "empty",
        "header-only",
        "no-header",
        "garbage-ics",
        "ics-without-events",
    ],
)
def test_calendar_import_with_a_bad_file_raises_on_file_and_writes_nothing(
    depot_calendar, admin_user, content, filename, message
):
    # given
    before = state("depot")
    # when
    with pytest.raises(ValidationFailed) as caught:
        calendar_import(by=admin_user, calendar=depot_calendar, content=content, filename=filename)
    # then
    assert caught.value.as_data() == {"file": [message]}
    assert state("depot") == before


# --- export ------------------------------------------------------------------------------------


def test_calendar_export_csv_lists_every_day_in_date_order(depot_calendar):
    # given the fixture's calendar
    # when
    text = calendar_export_csv(calendar=depot_calendar)
    # then
    assert text == (
        "date,kind,name\n"
        "2026-10-01,holiday,国庆节\n"
        "2026-10-02,holiday,国庆节\n"
        "2026-10-10,workday,国庆节调休\n"
    )


def test_calendar_export_ical_has_one_all_day_event_per_day(depot_calendar):
    # given the fixture's calendar
    # when
    content = calendar_export_ical(calendar=depot_calendar)
    # then
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert [
        (e.decoded("dtstart"), str(e["summary"]), str(e["categories"].cats[0])) for e in events
    ] == [
        (date(2026, 10, 1), "国庆节", "HOLIDAY"),
        (date(2026, 10, 2), "国庆节", "HOLIDAY"),
        (date(2026, 10, 10), "国庆节调休", "WORKDAY"),
    ]
    assert content.count(b"DTSTART;VALUE=DATE:") == 3
    assert b"DTSTART;VALUE=DATE:20261010" in content
