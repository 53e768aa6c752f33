"""The calendars API: shape, writes and their permissions, due/elapsed, import and export."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from aftersales.calendars import selectors
from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay, WeeklyHours
from aftersales.calendars.services import calendar_export_ical

URL = "/api/v1/calendars/"
CST = timezone(timedelta(hours=8))
NON_ADMINS = ["agent", "supervisor", "engineer", "contact_user"]
SIGNED_IN = ["admin_user", "agent", "supervisor", "engineer", "contact_user"]
NO_2027_DATA = (
    "Calendar cn-5x8 has no holiday data for 2027; that year was counted as ordinary weeks."
)
# Two intervals a day with a lunch break, listed out of order on purpose.
SPLIT_WEEK = [
    {"weekday": d, "start": start, "end": end}
    for d in range(5)
    for start, end in (("13:30", "17:30"), ("09:00", "12:00"))
]
MON_TO_FRI = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


@pytest.fixture(autouse=True)
def _fresh_spec_cache():
    # The per-process spec cache outlives each test's rolled-back transaction, and versions are
    # reused after a rollback, so every test starts and ends with an empty cache.
    selectors._cache.clear()
    yield
    selectors._cache.clear()


@pytest.fixture
def api(client_for):
    """Return a token client for a user that asks for English answers."""

    def make(user: Any) -> APIClient:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def admin_api(api, admin_user):
    return api(admin_user)


@pytest.fixture
def anonymous(db):
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def depot_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "code": "depot-sh",
        "name": "上海仓库",
        "timezone": "Asia/Shanghai",
        "observes_holidays": True,
        "description": "午休 12:00–13:30",
        "weekly": SPLIT_WEEK,
        "holidays": [
            {"date": "2026-10-01", "name": "国庆节"},
            {"date": "2026-10-02", "name": "国庆节"},
        ],
        "workdays": [{"date": "2026-10-10", "name": "国庆节调休"}],
        "data_years": [2026],
    }
    body.update(overrides)
    return body


@pytest.fixture
def depot(admin_api):
    """A calendar created through the API: split days, two holidays, one make-up day."""
    response = admin_api.post(URL, depot_body(), format="json")
    assert response.status_code == 201
    return response.json()


def snapshot() -> dict[str, list[Any]]:
    """Every calendar row, to show that a refused write changed nothing."""
    return {
        "calendars": list(
            BusinessCalendar.objects.order_by("code").values_list(
                "code", "name", "timezone", "observes_holidays", "description", "version"
            )
        ),
        "weekly": list(
            WeeklyHours.objects.order_by("calendar__code", "weekday", "start_minute").values_list(
                "calendar__code", "weekday", "start_minute", "end_minute"
            )
        ),
        "days": list(
            CalendarDay.objects.order_by("calendar__code", "date").values_list(
                "calendar__code", "date", "kind", "name"
            )
        ),
        "years": list(
            CalendarDataYear.objects.order_by("calendar__code", "year").values_list(
                "calendar__code", "year", "source"
            )
        ),
    }


def days_of(code: str) -> list[tuple[date, str, str]]:
    return list(
        CalendarDay.objects.filter(calendar__code=code)
        .order_by("date")
        .values_list("date", "kind", "name")
    )


def due(client: APIClient, code: str, start: str, hours: str | float) -> Any:
    return client.get(f"{URL}{code}/due/", {"start": start, "hours": hours})


def elapsed(client: APIClient, code: str, start: str, end: str) -> Any:
    return client.get(f"{URL}{code}/elapsed/", {"start": start, "end": end})


def upload(client: APIClient, code: str, name: str, content: bytes) -> Any:
    return client.post(
        f"{URL}{code}/import/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def without_stamp(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "updated_at"}


# --- reading -----------------------------------------------------------------------------------


def test_list_returns_the_shipped_calendars_in_code_order(admin_api):
    # given a freshly migrated database
    # when
    response = admin_api.get(URL)
    # then
    assert response.status_code == 200
    body = response.json()
    assert [c["code"] for c in body["results"]] == ["24x7", "7x8", "cn-5x8"]
    assert (body["next"], body["previous"]) == (None, None)


def test_list_costs_five_queries_however_many_calendars(
    admin_api, depot, django_assert_max_num_queries
):
    # given four calendars, 771 + 3 days among them
    # when token, calendars, then one prefetch each for hours, days and data years
    with django_assert_max_num_queries(5):
        response = admin_api.get(URL)
    # then
    assert [c["code"] for c in response.json()["results"]] == ["24x7", "7x8", "cn-5x8", "depot-sh"]


def test_24x7_detail_has_the_documented_shape(admin_api):
    # given / when
    response = admin_api.get(f"{URL}24x7/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert without_stamp(body) == {
        "code": "24x7",
        "name": "7×24 全天候",
        "timezone": "Asia/Shanghai",
        "observes_holidays": False,
        "description": "",
        "weekly": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
        "holidays": [],
        "workdays": [],
        "data_years": [],
        "version": 1,
    }
    assert body["updated_at"].endswith("+08:00")


def test_7x8_detail_works_nine_to_five_every_day(admin_api):
    # given / when
    body = admin_api.get(f"{URL}7x8/").json()
    # then
    assert body["weekly"] == [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]
    assert (body["holidays"], body["workdays"], body["observes_holidays"]) == ([], [], False)


def test_cn_5x8_detail_lists_2026_holidays_and_makeup_days(admin_api):
    # given / when
    body = admin_api.get(f"{URL}cn-5x8/").json()
    # then
    assert body["weekly"] == MON_TO_FRI
    assert body["observes_holidays"] is True
    assert body["data_years"] == list(range(2004, 2027))
    assert len(body["holidays"]) + len(body["workdays"]) == 771
    assert [h for h in body["holidays"] if h["date"].startswith("2026-10")] == [
        {"date": f"2026-10-0{d}", "name": "国庆节"} for d in range(1, 8)
    ]
    assert [h for h in body["holidays"] if h["date"].startswith("2026-02")] == [
        {"date": f"2026-02-{d}", "name": "春节"} for d in range(15, 24)
    ]
    assert [w for w in body["workdays"] if w["date"].startswith("2026")] == [
        {"date": "2026-01-04", "name": "元旦调休"},
        {"date": "2026-02-14", "name": "春节调休"},
        {"date": "2026-02-28", "name": "春节调休"},
        {"date": "2026-05-09", "name": "劳动节调休"},
        {"date": "2026-09-20", "name": "国庆节调休"},
        {"date": "2026-10-10", "name": "国庆节调休"},
    ]


def test_list_and_detail_answer_the_same_calendar(admin_api):
    # given / when
    listed = admin_api.get(URL).json()["results"]
    # then
    assert listed == [admin_api.get(f"{URL}{c}/").json() for c in ("24x7", "7x8", "cn-5x8")]


@pytest.mark.parametrize("who", SIGNED_IN)
def test_every_signed_in_user_may_read_calendars(api, request, who):
    # given
    client = api(request.getfixturevalue(who))
    # when
    listed, detail = client.get(URL), client.get(f"{URL}cn-5x8/")
    # then
    assert (listed.status_code, detail.status_code) == (200, 200)


def test_anonymous_reads_are_refused_with_401(anonymous):
    # given / when
    listed, detail = anonymous.get(URL), anonymous.get(f"{URL}24x7/")
    # then
    assert (listed.status_code, detail.status_code) == (401, 401)


def test_unknown_calendar_answers_404(admin_api):
    # given / when
    response = admin_api.get(f"{URL}mars-5x8/")
    # then
    assert response.status_code == 404


# --- creating ----------------------------------------------------------------------------------


def test_administrator_creates_a_calendar_with_split_days_holidays_and_workdays(admin_api):
    # given
    body = depot_body()
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.status_code == 201
    assert without_stamp(response.json()) == {
        "code": "depot-sh",
        "name": "上海仓库",
        "timezone": "Asia/Shanghai",
        "observes_holidays": True,
        "description": "午休 12:00–13:30",
        "weekly": [
            {"weekday": d, "start": start, "end": end}
            for d in range(5)
            for start, end in (("09:00", "12:00"), ("13:30", "17:30"))
        ],
        "holidays": [
            {"date": "2026-10-01", "name": "国庆节"},
            {"date": "2026-10-02", "name": "国庆节"},
        ],
        "workdays": [{"date": "2026-10-10", "name": "国庆节调休"}],
        "data_years": [2026],
        "version": 1,
    }
    assert list(
        WeeklyHours.objects.filter(calendar__code="depot-sh", weekday=0)
        .order_by("start_minute")
        .values_list("start_minute", "end_minute")
    ) == [(540, 720), (810, 1050)]
    assert days_of("depot-sh") == [
        (date(2026, 10, 1), "holiday", "国庆节"),
        (date(2026, 10, 2), "holiday", "国庆节"),
        (date(2026, 10, 10), "workday", "国庆节调休"),
    ]


def test_a_created_calendar_computes_on_its_split_hours_and_holidays(admin_api, depot):
    # given depot-sh works 09:00-12:00 and 13:30-17:30 Mon-Fri, Oct 1-2 off, Oct 10 on
    # when
    same_day = due(admin_api, "depot-sh", "2026-09-30T11:00:00+08:00", 4)
    over_holiday = due(admin_api, "depot-sh", "2026-09-30T16:30:00+08:00", 2)
    makeup_day = due(admin_api, "depot-sh", "2026-10-09T17:30:00+08:00", 1)
    # then 1 h before lunch + 3 h after it; 1 h on Sep 30 + 1 h on Monday Oct 5; Saturday
    # Oct 10 is worked with Monday's hours
    assert same_day.json()["due_at"] == "2026-09-30T16:30:00+08:00"
    assert over_holiday.json()["due_at"] == "2026-10-05T10:00:00+08:00"
    assert makeup_day.json()["due_at"] == "2026-10-10T10:00:00+08:00"


def test_names_default_to_empty_and_the_zone_to_shanghai(admin_api):
    # given
    body = {"code": "plain", "name": "无名假日", "holidays": [{"date": "2026-12-25"}]}
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.status_code == 201
    payload = response.json()
    assert payload["holidays"] == [{"date": "2026-12-25", "name": ""}]
    assert (payload["timezone"], payload["observes_holidays"], payload["weekly"]) == (
        "Asia/Shanghai",
        False,
        [],
    )


@pytest.mark.parametrize("who", NON_ADMINS)
def test_create_by_a_non_administrator_is_refused_and_writes_nothing(api, request, who):
    # given
    client = api(request.getfixturevalue(who))
    before = snapshot()
    # when
    response = client.post(URL, depot_body(), format="json")
    # then
    assert response.status_code == 403
    assert snapshot() == before


def test_create_by_anonymous_is_refused_with_401_and_writes_nothing(anonymous):
    # given
    before = snapshot()
    # when
    response = anonymous.post(URL, depot_body(), format="json")
    # then
    assert response.status_code == 401
    assert snapshot() == before


def one_day(start: str, end: str, weekday: int = 0) -> list[dict[str, Any]]:
    return [{"weekday": weekday, "start": start, "end": end}]


BAD_CREATES = {
    "overlapping-intervals": (
        {"weekly": [*one_day("09:00", "12:00"), *one_day("11:30", "17:00")]},
        "weekly",
    ),
    "end-before-start": ({"weekly": one_day("17:00", "09:00")}, "weekly"),
    "end-equals-start": ({"weekly": one_day("09:00", "09:00")}, "weekly"),
    "25:00": ({"weekly": one_day("09:00", "25:00")}, "weekly"),
    "9:00-not-hh-mm": ({"weekly": one_day("9:00", "17:00")}, "weekly"),
    "24:30": ({"weekly": one_day("09:00", "24:30")}, "weekly"),
    "minutes-60": ({"weekly": one_day("09:60", "17:00")}, "weekly"),
    "time-as-number": ({"weekly": [{"weekday": 0, "start": 900, "end": "17:00"}]}, "weekly"),
    "weekday-7": ({"weekly": one_day("09:00", "17:00", weekday=7)}, "weekly"),
    "weekday-negative": ({"weekly": one_day("09:00", "17:00", weekday=-1)}, "weekly"),
    "weekly-not-a-list": ({"weekly": "09:00-17:00"}, "weekly"),
    "unknown-zone": ({"timezone": "Mars/Base"}, "timezone"),
    "holiday-and-workday": (
        {
            "holidays": [{"date": "2026-10-10", "name": ""}],
            "workdays": [{"date": "2026-10-10", "name": ""}],
        },
        "workdays",
    ),
    "duplicate-code": ({"code": "cn-5x8"}, "code"),
    "code-with-space": ({"code": "depot sh"}, "code"),
    "holiday-february-30": ({"holidays": [{"date": "2026-02-30", "name": ""}]}, "holidays"),
    "workday-not-iso": ({"workdays": [{"date": "10/10/2026", "name": ""}]}, "workdays"),
    "holiday-without-date": ({"holidays": [{"name": "国庆节"}]}, "holidays"),
    "data-year-1800": ({"data_years": [1800]}, "data_years"),
    "name-missing": ({"name": None}, "name"),
}


@pytest.mark.parametrize(("change", "field"), BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_create_with_bad_input_answers_400_naming_the_field_and_writes_nothing(
    admin_api, change, field
):
    # given
    before = snapshot()
    body = {k: v for k, v in depot_body(**change).items() if v is not None}
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert snapshot() == before


def test_create_with_overlapping_intervals_explains_the_overlap(admin_api):
    # given
    body = depot_body(weekly=[*one_day("09:00", "12:00"), *one_day("11:30", "17:00")])
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.json() == {
        "weekly": [
            "calendar 'depot-sh': weekday 0: interval 11:30-17:00 overlaps or is out of order "
            "with the previous one"
        ]
    }


def test_create_with_a_date_off_and_on_names_the_date(admin_api):
    # given
    body = depot_body(holidays=[{"date": "2026-10-10", "name": "x"}])
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.json() == {
        "workdays": ["A date cannot be both a holiday and a make-up working day: 2026-10-10."]
    }


def test_create_with_a_holiday_listed_twice_answers_400(admin_api):
    # given
    before = snapshot()
    body = depot_body(
        holidays=[{"date": "2026-10-01", "name": "国庆节"}, {"date": "2026-10-01", "name": "x"}]
    )
    # when
    response = admin_api.post(URL, body, format="json")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["holidays"]
    assert snapshot() == before


# --- changing ----------------------------------------------------------------------------------


def test_patch_replaces_weekly_holidays_and_workdays_wholesale(admin_api, depot):
    # given depot-sh as created
    # when
    response = admin_api.patch(
        f"{URL}depot-sh/",
        {
            "weekly": [{"weekday": 5, "start": "10:00", "end": "16:00"}],
            "holidays": [{"date": "2026-12-25", "name": "圣诞节"}],
            "workdays": [],
        },
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["weekly"] == [{"weekday": 5, "start": "10:00", "end": "16:00"}]
    assert body["holidays"] == [{"date": "2026-12-25", "name": "圣诞节"}]
    assert body["workdays"] == []
    assert body["version"] == 2
    assert list(
        WeeklyHours.objects.filter(calendar__code="depot-sh").values_list(
            "weekday", "start_minute", "end_minute"
        )
    ) == [(5, 600, 960)]
    assert days_of("depot-sh") == [(date(2026, 12, 25), "holiday", "圣诞节")]


def test_patch_without_lists_leaves_them_alone(admin_api, depot):
    # given depot-sh as created
    # when
    response = admin_api.patch(
        f"{URL}depot-sh/", {"name": "上海二号仓", "description": ""}, format="json"
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["version"]) == ("上海二号仓", "", 2)
    for key in ("weekly", "holidays", "workdays", "data_years", "timezone", "observes_holidays"):
        assert body[key] == depot[key]


def test_patch_of_one_list_leaves_the_others_alone(admin_api, depot):
    # given depot-sh as created
    # when
    response = admin_api.patch(
        f"{URL}depot-sh/", {"workdays": [{"date": "2026-09-27", "name": "调休"}]}, format="json"
    )
    # then
    body = response.json()
    assert body["workdays"] == [{"date": "2026-09-27", "name": "调休"}]
    assert (body["weekly"], body["holidays"]) == (depot["weekly"], depot["holidays"])


def test_patch_of_data_years_replaces_them(admin_api, depot):
    # given depot-sh has data for 2026
    # when
    response = admin_api.patch(f"{URL}depot-sh/", {"data_years": [2027, 2028]}, format="json")
    # then
    assert response.json()["data_years"] == [2027, 2028]


def test_patch_cannot_change_the_code(admin_api, depot):
    # given
    before = snapshot()
    # when
    response = admin_api.patch(f"{URL}depot-sh/", {"code": "depot-bj", "name": "x"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"code": ["This value cannot be changed once set."]}
    assert snapshot() == before


def test_patch_repeating_the_same_code_is_accepted(admin_api, depot):
    # given / when
    response = admin_api.patch(f"{URL}depot-sh/", {"code": "depot-sh", "name": "x"}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["code"] == "depot-sh"


@pytest.mark.parametrize("who", NON_ADMINS)
@pytest.mark.parametrize("code", ["depot-sh", "cn-5x8"])
def test_patch_by_a_non_administrator_is_refused_and_writes_nothing(api, request, depot, who, code):
    # given
    client = api(request.getfixturevalue(who))
    before = snapshot()
    # when
    response = client.patch(
        f"{URL}{code}/", {"name": "x", "holidays": [], "weekly": []}, format="json"
    )
    # then
    assert response.status_code == 403
    assert snapshot() == before


def test_patch_by_anonymous_is_refused_with_401_and_writes_nothing(anonymous, depot):
    # given
    before = snapshot()
    # when
    response = anonymous.patch(f"{URL}depot-sh/", {"name": "x"}, format="json")
    # then
    assert response.status_code == 401
    assert snapshot() == before


def test_put_is_not_offered(admin_api, depot):
    # given
    before = snapshot()
    # when
    response = admin_api.put(f"{URL}depot-sh/", depot_body(name="x"), format="json")
    # then
    assert response.status_code == 405
    assert snapshot() == before


BAD_PATCHES = {
    "overlapping-intervals": (
        {"weekly": [*one_day("09:00", "12:00"), *one_day("11:59", "13:00")]},
        "weekly",
    ),
    "end-before-start": ({"weekly": one_day("12:00", "11:00")}, "weekly"),
    "25:00": ({"weekly": one_day("09:00", "25:00")}, "weekly"),
    "9:00-not-hh-mm": ({"weekly": one_day("9:00", "17:00")}, "weekly"),
    "24:30": ({"weekly": one_day("09:00", "24:30")}, "weekly"),
    "weekday-7": ({"weekly": one_day("09:00", "17:00", weekday=7)}, "weekly"),
    "unknown-zone": ({"timezone": "Mars/Base"}, "timezone"),
    "holiday-on-a-kept-workday": ({"holidays": [{"date": "2026-10-10", "name": ""}]}, "workdays"),
    "workday-on-a-kept-holiday": ({"workdays": [{"date": "2026-10-01", "name": ""}]}, "workdays"),
    "bad-holiday-date": ({"holidays": [{"date": "2026-13-01", "name": ""}]}, "holidays"),
    "bad-workday-date": ({"workdays": [{"date": "tomorrow", "name": ""}]}, "workdays"),
    "empty-name": ({"name": ""}, "name"),
    "data-year-3000": ({"data_years": [3000]}, "data_years"),
}


@pytest.mark.parametrize(("change", "field"), BAD_PATCHES.values(), ids=BAD_PATCHES.keys())
def test_patch_with_bad_input_answers_400_naming_the_field_and_writes_nothing(
    admin_api, depot, change, field
):
    # given
    before = snapshot()
    # when
    response = admin_api.patch(f"{URL}depot-sh/", {"description": "x", **change}, format="json")
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert snapshot() == before


def test_patch_of_an_unknown_calendar_answers_404(admin_api):
    # given
    before = snapshot()
    # when
    response = admin_api.patch(f"{URL}mars-5x8/", {"name": "x"}, format="json")
    # then
    assert response.status_code == 404
    assert snapshot() == before


# --- due and elapsed ---------------------------------------------------------------------------


def test_due_72_working_hours_skip_the_national_day_week(api, agent):
    # given Wednesday Sep 30 2026, 10:00; Oct 1-7 off, Saturday Oct 10 worked
    # when
    response = due(api(agent), "cn-5x8", "2026-09-30T10:00:00+08:00", 72)
    # then 7 h on Sep 30, 8 h on Oct 8, 9, 10 and 12-16, 1 h on Monday Oct 19
    assert response.status_code == 200
    assert response.json() == {
        "due_at": "2026-10-19T10:00:00+08:00",
        "calendar": "cn-5x8",
        "warnings": [],
    }


def test_due_reached_at_closing_time_is_that_closing_time(admin_api):
    # given / when 7 h from 10:00 on the eve of National Day
    response = due(admin_api, "cn-5x8", "2026-09-30T10:00:00+08:00", 7)
    # then 17:00 the same day, not 09:00 on Oct 8
    assert response.json()["due_at"] == "2026-09-30T17:00:00+08:00"


def test_due_from_a_holiday_counts_from_the_next_opening(admin_api):
    # given / when
    response = due(admin_api, "cn-5x8", "2026-10-03T20:00:00+08:00", 1)
    # then
    assert response.json()["due_at"] == "2026-10-08T10:00:00+08:00"


def test_due_of_zero_hours_is_the_start(admin_api):
    # given / when
    response = due(admin_api, "cn-5x8", "2026-10-03T20:00:00+08:00", 0)
    # then
    assert response.json()["due_at"] == "2026-10-03T20:00:00+08:00"


def test_due_two_hours_on_24x7_runs_through_the_night(admin_api):
    # given / when
    response = due(admin_api, "24x7", "2026-10-01T23:30:00+08:00", 2)
    # then
    assert response.json() == {
        "due_at": "2026-10-02T01:30:00+08:00",
        "calendar": "24x7",
        "warnings": [],
    }


def test_due_takes_fractional_hours(admin_api):
    # given / when
    working = due(admin_api, "cn-5x8", "2026-09-30T16:00:00+08:00", 1.5)
    round_the_clock = due(admin_api, "24x7", "2026-09-30T16:00:00+08:00", 0.25)
    # then 1 h on Sep 30 and 30 min on Oct 8
    assert working.json()["due_at"] == "2026-10-08T09:30:00+08:00"
    assert round_the_clock.json()["due_at"] == "2026-09-30T16:15:00+08:00"


def test_due_reads_a_naive_start_in_shanghai(admin_api):
    # given / when Monday Mar 2 2026, 10:00 without an offset
    working = due(admin_api, "cn-5x8", "2026-03-02T10:00:00", 1)
    round_the_clock = due(admin_api, "24x7", "2026-10-01T23:30:00", 2)
    # then (read as UTC it would be 18:00 local, and due on Mar 3)
    assert working.json()["due_at"] == "2026-03-02T11:00:00+08:00"
    assert round_the_clock.json()["due_at"] == "2026-10-02T01:30:00+08:00"


def test_due_answers_in_shanghai_time_whatever_the_start_offset(admin_api):
    # given / when 01:00 UTC is 09:00 in Shanghai on Thursday Oct 8
    utc = due(admin_api, "cn-5x8", "2026-10-08T01:00:00Z", 1)
    berlin = due(admin_api, "cn-5x8", "2026-10-08T03:00:00+02:00", 1)
    # then
    assert utc.json()["due_at"] == "2026-10-08T10:00:00+08:00"
    assert berlin.json()["due_at"] == "2026-10-08T10:00:00+08:00"


def test_due_crossing_into_a_year_without_data_warns_and_counts_it_as_ordinary(admin_api):
    # given Thursday Dec 31 2026, 16:00; cn-5x8 has holiday data up to 2026 only
    # when
    response = due(admin_api, "cn-5x8", "2026-12-31T16:00:00+08:00", 2)
    # then Friday Jan 1 2027 would be New Year's Day, but without 2027 data it is an ordinary
    # Friday: 1 h on Dec 31 (16:00-17:00) and 1 h on Jan 1 (09:00-10:00)
    assert response.json() == {
        "due_at": "2027-01-01T10:00:00+08:00",
        "calendar": "cn-5x8",
        "warnings": [NO_2027_DATA],
    }


def test_due_on_24x7_into_2027_has_no_warnings(admin_api):
    # given / when
    response = due(admin_api, "24x7", "2026-12-31T16:00:00+08:00", 10)
    # then 24x7 observes no holidays, so no year ever lacks data
    assert response.json() == {
        "due_at": "2027-01-01T02:00:00+08:00",
        "calendar": "24x7",
        "warnings": [],
    }


def test_due_gives_up_with_400_when_the_calendar_has_too_little_time(admin_api):
    # given a calendar that works one hour a week (Wednesday 10:00-11:00)
    admin_api.post(
        URL, {"code": "thin", "name": "每周一小时", "weekly": one_day("10:00", "11:00", 2)}
    )
    # when 10,000 h need ~192 years, past the engine's 50-year search; 10,000,000 h are refused
    # before any search; 2,000 h fit
    too_far = due(admin_api, "thin", "2026-09-30T10:00:00+08:00", 10000)
    absurd = due(admin_api, "thin", "2026-09-30T10:00:00+08:00", 10_000_000)
    fits = due(admin_api, "thin", "2026-09-30T10:00:00+08:00", 2000)
    # then
    assert too_far.status_code == 400
    assert too_far.json() == {
        "hours": ["no deadline within 50 years: the calendar has too little working time ahead"]
    }
    assert absurd.status_code == 400
    assert list(absurd.json()) == ["hours"]
    last_wednesday = datetime(2026, 9, 30, 11, tzinfo=CST) + timedelta(weeks=1999)
    assert fits.json()["due_at"] == last_wednesday.isoformat()


def test_due_on_a_calendar_without_working_time_answers_400(admin_api):
    # given
    admin_api.post(URL, {"code": "idle", "name": "停工"}, format="json")
    # when
    response = due(admin_api, "idle", "2026-09-30T10:00:00+08:00", 1)
    # then
    assert response.status_code == 400
    assert response.json() == {"hours": ["calendar 'idle' has no working time"]}


S = "2026-09-30T10:00:00+08:00"
BAD_DUE_QUERIES = {
    "missing-start": ({"hours": "1"}, "start"),
    "missing-hours": ({"start": S}, "hours"),
    "negative-hours": ({"start": S, "hours": "-1"}, "hours"),
    "hours-abc": ({"start": S, "hours": "abc"}, "hours"),
    "hours-nan": ({"start": S, "hours": "nan"}, "hours"),
    "hours-infinite": ({"start": S, "hours": "inf"}, "hours"),
    "hours-ten-million": ({"start": S, "hours": "10000000"}, "hours"),
    "start-yesterday": ({"start": "yesterday", "hours": "1"}, "start"),
    "start-february-30": ({"start": "2026-02-30T10:00:00", "hours": "1"}, "start"),
}


@pytest.mark.parametrize(("query", "field"), BAD_DUE_QUERIES.values(), ids=BAD_DUE_QUERIES.keys())
def test_due_with_a_bad_query_answers_400_naming_the_parameter(admin_api, query, field):
    # given / when
    response = admin_api.get(f"{URL}cn-5x8/due/", query)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_elapsed_over_the_national_day_week(admin_api):
    # given Monday Sep 28 to Monday Oct 5 2026: Oct 1-2 off, then the weekend
    # when
    response = elapsed(
        admin_api, "cn-5x8", "2026-09-28T00:00:00+08:00", "2026-10-05T00:00:00+08:00"
    )
    # then Sep 28, 29 and 30 only
    assert response.json() == {
        "seconds": 3 * 8 * 3600,
        "hours": 24.0,
        "calendar": "cn-5x8",
        "warnings": [],
    }


def test_elapsed_over_the_week_after_national_day_counts_the_makeup_saturday(admin_api):
    # given / when Monday Oct 5 to Monday Oct 12 2026
    response = elapsed(
        admin_api, "cn-5x8", "2026-10-05T00:00:00+08:00", "2026-10-12T00:00:00+08:00"
    )
    # then Oct 8, 9 and Saturday Oct 10
    assert response.json()["seconds"] == 3 * 8 * 3600


def test_elapsed_over_2026_is_248_working_days(admin_api):
    # given / when
    response = elapsed(
        admin_api, "cn-5x8", "2026-01-01T00:00:00+08:00", "2026-12-31T23:59:59+08:00"
    )
    # then
    assert response.json() == {
        "seconds": 248 * 8 * 3600,
        "hours": 1984.0,
        "calendar": "cn-5x8",
        "warnings": [],
    }


def test_elapsed_into_a_year_without_data_warns(admin_api):
    # given / when Thursday Dec 31 2026 16:00 to Monday Jan 4 2027 12:00
    response = elapsed(
        admin_api, "cn-5x8", "2026-12-31T16:00:00+08:00", "2027-01-04T12:00:00+08:00"
    )
    # then 1 h + Friday Jan 1 as an ordinary day (8 h) + 3 h
    assert response.json() == {
        "seconds": 12 * 3600,
        "hours": 12.0,
        "calendar": "cn-5x8",
        "warnings": [NO_2027_DATA],
    }


def test_elapsed_ending_at_new_year_midnight_does_not_warn_about_the_next_year(admin_api):
    # given / when
    response = elapsed(
        admin_api, "cn-5x8", "2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"
    )
    # then
    assert response.json()["seconds"] == 248 * 8 * 3600
    assert response.json()["warnings"] == []


def test_elapsed_reads_naive_instants_in_shanghai(admin_api):
    # given / when
    response = elapsed(admin_api, "24x7", "2026-10-01T23:30:00", "2026-10-02T01:30:00+08:00")
    # then
    assert response.json()["seconds"] == 7200


def test_elapsed_on_a_calendar_without_working_time_is_zero(admin_api):
    # given
    admin_api.post(URL, {"code": "idle", "name": "停工"}, format="json")
    # when
    response = elapsed(admin_api, "idle", "2026-09-30T10:00:00+08:00", "2026-10-30T10:00:00+08:00")
    # then
    assert response.json() == {"seconds": 0, "hours": 0.0, "calendar": "idle", "warnings": []}


BAD_ELAPSED_QUERIES = {
    "missing-start": ({"end": S}, "start"),
    "missing-end": ({"start": S}, "end"),
    "start-yesterday": ({"start": "yesterday", "end": S}, "start"),
    "end-garbage": ({"start": S, "end": "2026-09-30 25:00"}, "end"),
    "end-before-start": ({"start": S, "end": "2026-09-30T09:59:59+08:00"}, "end"),
}


@pytest.mark.parametrize(
    ("query", "field"), BAD_ELAPSED_QUERIES.values(), ids=BAD_ELAPSED_QUERIES.keys()
)
def test_elapsed_with_a_bad_query_answers_400_naming_the_parameter(admin_api, query, field):
    # given / when
    response = admin_api.get(f"{URL}cn-5x8/elapsed/", query)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("endpoint", ["due", "elapsed"])
def test_a_start_out_of_range_answers_400(admin_api, endpoint):
    # given
    admin_api.raise_request_exception = False
    query = {"start": "0001-01-01T00:00:00", "hours": "1", "end": "0001-01-02T00:00:00"}
    # when
    response = admin_api.get(f"{URL}cn-5x8/{endpoint}/", query)
    # then
    assert response.status_code == 400


@pytest.mark.parametrize("endpoint", ["due", "elapsed"])
def test_due_and_elapsed_on_an_unknown_calendar_answer_404(admin_api, endpoint):
    # given / when
    response = admin_api.get(f"{URL}mars-5x8/{endpoint}/", {"start": S, "end": S, "hours": 1})
    # then
    assert response.status_code == 404


@pytest.mark.parametrize("who", SIGNED_IN)
def test_every_signed_in_user_may_compute_due_and_elapsed(api, request, who):
    # given
    client = api(request.getfixturevalue(who))
    # when
    due_answer = due(client, "cn-5x8", S, 7)
    elapsed_answer = elapsed(client, "cn-5x8", S, "2026-09-30T17:00:00+08:00")
    # then
    assert due_answer.status_code == 200
    assert due_answer.json()["due_at"] == "2026-09-30T17:00:00+08:00"
    assert elapsed_answer.status_code == 200
    assert elapsed_answer.json()["seconds"] == 7 * 3600


def test_anonymous_due_and_elapsed_are_refused_with_401(anonymous):
    # given / when
    due_answer = due(anonymous, "cn-5x8", S, 1)
    elapsed_answer = elapsed(anonymous, "cn-5x8", S, S)
    # then
    assert (due_answer.status_code, elapsed_answer.status_code) == (401, 401)


# --- edits take effect at once ------------------------------------------------------------------


def test_a_holiday_added_by_patch_is_skipped_at_once(admin_api):
    # given a computation that already built and cached cn-5x8's spec
    start = "2026-09-30T16:00:00+08:00"
    assert due(admin_api, "cn-5x8", start, 2).json()["due_at"] == "2026-10-08T10:00:00+08:00"
    holidays = admin_api.get(f"{URL}cn-5x8/").json()["holidays"]
    # when Thursday Oct 8 becomes a holiday
    patched = admin_api.patch(
        f"{URL}cn-5x8/",
        {"holidays": [*holidays, {"date": "2026-10-08", "name": "公司假日"}]},
        format="json",
    )
    # then
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    assert due(admin_api, "cn-5x8", start, 2).json()["due_at"] == "2026-10-09T10:00:00+08:00"


def test_turning_holidays_off_takes_effect_at_once(admin_api):
    # given
    start = "2026-09-30T10:00:00+08:00"
    assert due(admin_api, "cn-5x8", start, 72).json()["due_at"] == "2026-10-19T10:00:00+08:00"
    # when
    admin_api.patch(f"{URL}cn-5x8/", {"observes_holidays": False}, format="json")
    # then plain weeks: 7 h on Sep 30, Oct 1-2, 5-9, 12, then 1 h on Tuesday Oct 13
    assert due(admin_api, "cn-5x8", start, 72).json() == {
        "due_at": "2026-10-13T10:00:00+08:00",
        "calendar": "cn-5x8",
        "warnings": [],
    }


def test_a_holiday_added_by_import_is_skipped_at_once(admin_api):
    # given
    start = "2026-09-30T16:00:00+08:00"
    assert due(admin_api, "cn-5x8", start, 2).json()["due_at"] == "2026-10-08T10:00:00+08:00"
    # when
    imported = upload(
        admin_api, "cn-5x8", "extra.csv", "date,kind,name\n2026-10-08,holiday,公司假日\n".encode()
    )
    # then
    assert imported.json() == {"days": 1, "years": [2026]}
    assert due(admin_api, "cn-5x8", start, 2).json()["due_at"] == "2026-10-09T10:00:00+08:00"


# --- export ------------------------------------------------------------------------------------


def test_export_csv_lists_every_day_with_chinese_names(api, agent):
    # given / when
    response = api(agent).get(f"{URL}cn-5x8/export/")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cn-5x8.csv"'
    lines = response.content.decode("utf-8").split("\n")
    assert lines[0] == "date,kind,name"
    assert lines[-1] == ""
    assert len(lines[1:-1]) == 771
    assert lines[1] == "2004-01-01,holiday,元旦"
    assert lines[-2] == "2026-10-10,workday,国庆节调休"
    assert [line for line in lines if line.startswith("2026-10")] == [
        *[f"2026-10-0{d},holiday,国庆节" for d in range(1, 8)],
        "2026-10-10,workday,国庆节调休",
    ]
    assert len([line for line in lines if line.startswith("2026-")]) == 39


def test_export_of_a_calendar_without_days_is_the_header(admin_api):
    # given / when
    response = admin_api.get(f"{URL}24x7/export/")
    # then
    assert response.content == b"date,kind,name\n"


def test_export_ics_has_one_all_day_event_per_day(admin_api):
    # given / when
    response = admin_api.get(f"{URL}cn-5x8/export/", {"format": "ics"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"] == 'attachment; filename="cn-5x8.ics"'
    assert response.content.count(b"BEGIN:VEVENT") == 771
    assert response.content.count(b"DTSTART;VALUE=DATE:") == 771
    assert b"DTSTART;VALUE=DATE:20261001" in response.content


def test_export_in_an_unknown_format_answers_400(admin_api):
    # given / when
    response = admin_api.get(f"{URL}cn-5x8/export/", {"format": "xml"})
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["format"]


def test_anonymous_export_is_refused_with_401(anonymous):
    # given / when
    response = anonymous.get(f"{URL}cn-5x8/export/")
    # then
    assert response.status_code == 401


# --- import ------------------------------------------------------------------------------------


@pytest.fixture
def cn_copy(admin_api):
    """An empty holiday-observing Mon-Fri 09:00-17:00 calendar."""
    response = admin_api.post(
        URL,
        {"code": "cn-copy", "name": "复制", "observes_holidays": True, "weekly": MON_TO_FRI},
        format="json",
    )
    assert response.status_code == 201
    return response.json()


def test_exported_csv_imports_into_an_empty_calendar_unchanged(admin_api, cn_copy):
    # given
    exported = admin_api.get(f"{URL}cn-5x8/export/").content
    # when
    response = upload(admin_api, "cn-copy", "cn-5x8.csv", exported)
    # then
    assert response.status_code == 200
    assert response.json() == {"days": 771, "years": list(range(2004, 2027))}
    assert days_of("cn-copy") == days_of("cn-5x8")
    copy = admin_api.get(f"{URL}cn-copy/").json()
    assert copy["data_years"] == list(range(2004, 2027))
    assert copy["version"] == 2
    assert due(admin_api, "cn-copy", "2026-09-30T10:00:00+08:00", 72).json() == {
        "due_at": "2026-10-19T10:00:00+08:00",
        "calendar": "cn-copy",
        "warnings": [],
    }


def test_exported_ics_imports_into_an_empty_calendar_unchanged(admin_api, cn_copy):
    # given the iCalendar export (taken from the service: the API's ?format=ics is broken, see
    # test_export_ics_has_one_all_day_event_per_day)
    exported = calendar_export_ical(calendar=BusinessCalendar.objects.get(code="cn-5x8"))
    # when
    response = upload(admin_api, "cn-copy", "cn-5x8.ics", exported)
    # then
    assert response.status_code == 200
    assert response.json() == {"days": 771, "years": list(range(2004, 2027))}
    assert days_of("cn-copy") == days_of("cn-5x8")
    assert admin_api.get(f"{URL}cn-copy/").json()["data_years"] == list(range(2004, 2027))


def test_an_ics_is_recognised_by_its_content_whatever_its_name(admin_api, cn_copy):
    # given
    exported = calendar_export_ical(calendar=BusinessCalendar.objects.get(code="cn-5x8"))
    # when
    response = upload(admin_api, "cn-copy", "holidays.txt", exported)
    # then
    assert response.json() == {"days": 771, "years": list(range(2004, 2027))}


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\n".join(["date,kind,name", *lines, ""]).encode(encoding)


BAD_IMPORTS = {
    "bad-date-line": ("a.csv", csv_file("2027-01-01,holiday,元旦", "2027-1-32,holiday,x")),
    "unknown-kind": ("a.csv", csv_file("2027-01-01,vacation,元旦")),
    "both-kinds": ("a.csv", csv_file("2027-01-01,holiday,元旦", "2027-01-01,workday,元旦")),
    "gbk-encoded": ("a.csv", csv_file("2027-01-01,holiday,元旦", encoding="gbk")),
    "empty-file": ("a.csv", b""),
    "header-only": ("a.csv", b"date,kind,name\n"),
    "no-header": ("a.csv", b"2027-01-01,holiday,x\n"),
    "garbage-ics": ("a.ics", b"BEGIN:VCALENDAR\nthis is not ical\n"),
    "binary-ics": ("a.ics", b"\x00\xff\xfe garbage"),
    "ics-without-events": ("a.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
    "larger-than-2mb": ("a.csv", b"date,kind,name\n" + b"#" * (2 * 1024 * 1024)),
}


@pytest.mark.parametrize(("name", "content"), BAD_IMPORTS.values(), ids=BAD_IMPORTS.keys())
def test_import_of_a_bad_file_answers_400_on_file_and_writes_nothing(
    admin_api, cn_copy, name, content
):
    # given
    before = snapshot()
    # when
    response = upload(admin_api, "cn-copy", name, content)
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert snapshot() == before


def test_import_names_the_bad_line(admin_api, cn_copy):
    # given / when
    response = upload(admin_api, "cn-copy", "a.csv", BAD_IMPORTS["bad-date-line"][1])
    # then
    assert response.json() == {"file": ["Line 3: “2027-1-32” is not a date (YYYY-MM-DD)."]}


def test_import_without_a_file_answers_400(admin_api, cn_copy):
    # given
    before = snapshot()
    # when
    response = admin_api.post(f"{URL}cn-copy/import/", {}, format="multipart")
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert snapshot() == before


@pytest.mark.parametrize("who", NON_ADMINS)
def test_import_by_a_non_administrator_is_refused_and_writes_nothing(api, request, who):
    # given
    client = api(request.getfixturevalue(who))
    before = snapshot()
    # when
    response = upload(client, "cn-5x8", "a.csv", csv_file("2027-01-01,holiday,元旦"))
    # then
    assert response.status_code == 403
    assert snapshot() == before


def test_import_by_anonymous_is_refused_with_401_and_writes_nothing(anonymous):
    # given
    before = snapshot()
    # when
    response = upload(anonymous, "cn-5x8", "a.csv", csv_file("2027-01-01,holiday,元旦"))
    # then
    assert response.status_code == 401
    assert snapshot() == before


def test_import_into_an_unknown_calendar_answers_404(admin_api):
    # given
    before = snapshot()
    # when
    response = upload(admin_api, "mars-5x8", "a.csv", csv_file("2027-01-01,holiday,元旦"))
    # then
    assert response.status_code == 404
    assert snapshot() == before


def test_import_of_a_repeated_identical_line_stores_the_day_once(admin_api, cn_copy):
    # given
    content = csv_file("2027-01-01,holiday,元旦", "2027-01-01,holiday,元旦")
    # when
    response = upload(admin_api, "cn-copy", "a.csv", content)
    # then
    assert response.status_code == 200
    assert response.json() == {"days": 1, "years": [2027]}
    assert days_of("cn-copy") == [(date(2027, 1, 1), "holiday", "元旦")]


def test_import_of_an_ics_with_a_malformed_date_answers_400(admin_api, cn_copy):
    # given
    admin_api.raise_request_exception = False
    before = snapshot()
    content = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        b"DTSTART;VALUE=DATE:2026XX01\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    # when
    response = upload(admin_api, "cn-copy", "a.ics", content)
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert snapshot() == before
