"""Table tests for the business-calendar engine (pure: no database, no Django).

Expected instants are worked out by hand from the calendar definitions; the 2026 Chinese
holiday data comes from the `chinese_calendar` library, checked against it below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from aftersales.calendars.engine import (
    CalendarSpec,
    add_working_time,
    working_time_between,
    years_without_data,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600
DAY_2026 = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def _cn_5x8_2026() -> CalendarSpec:
    """Return the depot calendar built from chinese_calendar's 2026 data.

    Holidays are the named statutory holidays (include_weekends=False): the dates a worker has
    off beyond the ordinary week. Some fall on a weekend, which is harmless (off either way).
    Ordinary weekends must not be listed as holidays only because it is redundant; what must
    never happen is a make-up day in the holiday set. Make-up days are the library's working
    days that fall on a Saturday or Sunday.
    """
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    holidays = chinese_calendar.get_holidays(first, last, include_weekends=False)
    makeup = [d for d in chinese_calendar.get_workdays(first, last) if d.weekday() >= 5]
    return CalendarSpec.build(
        "cn-5x8",
        "Asia/Shanghai",
        {weekday: [("09:00", "17:00")] for weekday in range(5)},
        holidays=holidays,
        workdays=makeup,
        holiday_years=[2026],
    )


CN_5X8 = _cn_5x8_2026()
SEVEN_BY_EIGHT = CalendarSpec.build(
    "7x8", "Asia/Shanghai", {weekday: [("09:00", "17:00")] for weekday in range(7)}
)
TWENTY_FOUR_SEVEN = CalendarSpec.build(
    "24x7", "Asia/Shanghai", {weekday: [("00:00", "24:00")] for weekday in range(7)}
)
SPLIT_SHIFT = CalendarSpec.build(
    "split",
    "Asia/Shanghai",
    {weekday: [("09:00", "12:00"), ("13:30", "17:30")] for weekday in range(5)},
)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """Return a Shanghai wall-clock instant."""
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """Return a UTC instant."""
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


# --- the 2026 data --------------------------------------------------------------------------


def test_cn_5x8_has_working_time_exactly_on_chinese_calendar_workdays_in_2026() -> None:
    # given
    spec = CN_5X8

    # when
    working = [d for d in DAY_2026 if spec.intervals_on(d)]
    mismatches = [
        d for d in DAY_2026 if bool(spec.intervals_on(d)) != chinese_calendar.is_workday(d)
    ]

    # then
    assert len(working) == 248
    assert mismatches == []


def test_chinese_calendar_2026_spring_festival_and_national_day_are_as_expected() -> None:
    # given
    spring_festival = [date(2026, 2, 15) + timedelta(days=n) for n in range(9)]
    national_day = [date(2026, 10, 1) + timedelta(days=n) for n in range(7)]

    # when
    spring_holidays = chinese_calendar.get_holidays(
        date(2026, 2, 10), date(2026, 3, 3), include_weekends=False
    )
    october_holidays = chinese_calendar.get_holidays(
        date(2026, 9, 28), date(2026, 10, 12), include_weekends=False
    )
    makeup_days = sorted(d for d in CN_5X8.workdays)

    # then
    assert spring_holidays == spring_festival
    assert october_holidays == national_day
    # 2026-02-14 and 2026-02-28 are both Saturdays; 2026-01-04 is a Sunday.
    assert makeup_days == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert [chinese_calendar.is_holiday(d) for d in makeup_days] == [False] * 6
    assert chinese_calendar.is_in_lieu(date(2026, 2, 23)) is True
    assert CN_5X8.intervals_on(date(2026, 2, 14)) == ((9 * HOUR, 17 * HOUR),)
    assert CN_5X8.intervals_on(date(2026, 2, 16)) == ()


# --- add_working_time on cn-5x8 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(sh(2026, 3, 2, 8), 2, sh(2026, 3, 2, 11), id="before-opening"),
        pytest.param(sh(2026, 3, 2, 9), 2, sh(2026, 3, 2, 11), id="at-opening"),
        pytest.param(sh(2026, 3, 2, 10, 30), 2, sh(2026, 3, 2, 12, 30), id="inside"),
        pytest.param(sh(2026, 3, 2, 16), 2, sh(2026, 3, 3, 10), id="inside-crossing-closing"),
        pytest.param(sh(2026, 3, 2, 17), 2, sh(2026, 3, 3, 11), id="at-closing"),
        pytest.param(sh(2026, 3, 2, 20), 2, sh(2026, 3, 3, 11), id="after-closing"),
        pytest.param(sh(2026, 3, 3, 0), 1, sh(2026, 3, 3, 10), id="at-midnight"),
        pytest.param(sh(2026, 3, 2, 15), 2, sh(2026, 3, 2, 17), id="due-exactly-at-closing"),
        pytest.param(sh(2026, 3, 2, 9), 8, sh(2026, 3, 2, 17), id="whole-day-ends-at-closing"),
        pytest.param(sh(2026, 3, 6, 16), 2, sh(2026, 3, 9, 10), id="friday-over-weekend"),
        pytest.param(sh(2026, 3, 7, 12), 1, sh(2026, 3, 9, 10), id="start-on-saturday"),
        pytest.param(sh(2026, 1, 1, 10), 1, sh(2026, 1, 4, 10), id="new-year-to-makeup-sunday"),
        pytest.param(sh(2026, 2, 13, 16), 2, sh(2026, 2, 14, 10), id="to-makeup-saturday-feb-14"),
        pytest.param(sh(2026, 2, 14, 16), 2, sh(2026, 2, 24, 10), id="over-spring-festival"),
        pytest.param(sh(2026, 2, 27, 16), 2, sh(2026, 2, 28, 10), id="to-makeup-saturday-feb-28"),
        pytest.param(sh(2026, 10, 9, 16), 2, sh(2026, 10, 10, 10), id="to-makeup-saturday-oct-10"),
        pytest.param(sh(2026, 9, 30, 10), 72, sh(2026, 10, 19, 10), id="exchange-repair-72h"),
        pytest.param(sh(2026, 12, 31, 16), 2, sh(2027, 1, 1, 10), id="year-end-into-2027"),
    ],
)
def test_add_working_time_on_cn_5x8(start: datetime, hours: int, expected: datetime) -> None:
    # given
    spec = CN_5X8

    # when
    due = add_working_time(spec, start, hours * HOUR)

    # then
    assert due == expected
    assert due.tzinfo is UTC
    assert working_time_between(spec, start, due) == hours * HOUR


def test_exchange_repair_72_working_hours_over_national_day_lands_on_monday_10_00() -> None:
    # given: Wed 2026-09-30 10:00; 7 h that day, Oct 1-7 off, Oct 8-10 (Sat make-up) 24 h,
    # Oct 12-16 40 h, 1 h on Mon Oct 19.
    start = sh(2026, 9, 30, 10)

    # when
    due = add_working_time(CN_5X8, start, 72 * HOUR)

    # then
    assert due == datetime(2026, 10, 19, 2, 0, tzinfo=UTC)


def test_faulty_part_return_due_is_closing_time_of_tenth_depot_working_day() -> None:
    # given: good part delivered Tue 2026-09-29; the count starts at the end of that day.
    # Working days after it: Sep 30, Oct 8, 9, 10 (make-up Sat), 12, 13, 14, 15, 16, 19.
    day_after_delivery = sh(2026, 9, 30)

    # when
    due = add_working_time(CN_5X8, day_after_delivery, 10 * 8 * HOUR)

    # then
    assert due == sh(2026, 10, 19, 17)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        pytest.param(sh(2026, 3, 2, 9), sh(2026, 3, 2, 17), 8, id="one-day"),
        pytest.param(sh(2026, 3, 2, 8), sh(2026, 3, 2, 20), 8, id="one-day-padded"),
        pytest.param(sh(2026, 3, 2, 10, 30), sh(2026, 3, 2, 12), 1.5, id="inside"),
        pytest.param(sh(2026, 3, 6, 16), sh(2026, 3, 9, 10), 2, id="over-weekend"),
        pytest.param(sh(2026, 3, 7), sh(2026, 3, 9), 0, id="weekend-only"),
        pytest.param(sh(2026, 2, 14), sh(2026, 3, 1), 48, id="spring-festival-fortnight"),
        pytest.param(sh(2026, 10, 1), sh(2026, 10, 11), 24, id="national-day-and-makeup"),
        pytest.param(sh(2026, 1, 1), sh(2027, 1, 1), 248 * 8, id="whole-2026"),
        pytest.param(sh(2026, 3, 2, 12), sh(2026, 3, 2, 12), 0, id="empty-range"),
        pytest.param(sh(2026, 3, 2, 17), sh(2026, 3, 2, 9), 0, id="end-before-start"),
    ],
)
def test_working_time_between_on_cn_5x8(start: datetime, end: datetime, hours: float) -> None:
    # given
    spec = CN_5X8

    # when
    seconds = working_time_between(spec, start, end)

    # then
    assert seconds == int(hours * HOUR)


# --- several intervals per day, 7x8, 24x7 ---------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(sh(2026, 3, 2, 11), 2, sh(2026, 3, 2, 14, 30), id="over-lunch"),
        pytest.param(sh(2026, 3, 2, 12, 30), 1, sh(2026, 3, 2, 14, 30), id="start-at-lunch"),
        pytest.param(sh(2026, 3, 2, 11), 1, sh(2026, 3, 2, 12), id="due-at-lunch-closing"),
        pytest.param(sh(2026, 3, 2, 16, 30), 2, sh(2026, 3, 3, 10), id="over-evening"),
        pytest.param(sh(2026, 3, 2, 9), 7, sh(2026, 3, 2, 17, 30), id="whole-day"),
    ],
)
def test_add_working_time_with_two_intervals_per_day(
    start: datetime, hours: int, expected: datetime
) -> None:
    # given
    spec = SPLIT_SHIFT

    # when
    due = add_working_time(spec, start, hours * HOUR)

    # then
    assert due == expected


def test_working_time_between_with_two_intervals_per_day_counts_both() -> None:
    # given
    start, end = sh(2026, 3, 2), sh(2026, 3, 3)

    # when
    seconds = working_time_between(SPLIT_SHIFT, start, end)

    # then
    assert seconds == 7 * HOUR


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(sh(2026, 3, 6, 16), 2, sh(2026, 3, 7, 10), id="into-saturday"),
        pytest.param(sh(2026, 2, 14, 20), 2, sh(2026, 2, 15, 11), id="c1-on-a-holiday"),
        pytest.param(sh(2026, 3, 2, 9), 8, sh(2026, 3, 2, 17), id="c2-ends-at-closing"),
        pytest.param(sh(2026, 3, 2, 9), 24, sh(2026, 3, 4, 17), id="c3-three-days"),
    ],
)
def test_add_working_time_on_7x8(start: datetime, hours: int, expected: datetime) -> None:
    # given
    spec = SEVEN_BY_EIGHT

    # when
    due = add_working_time(spec, start, hours * HOUR)

    # then
    assert due == expected


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(sh(2026, 10, 1, 10), 2, sh(2026, 10, 1, 12), id="response-2h"),
        pytest.param(sh(2026, 10, 1, 10), 12, sh(2026, 10, 1, 22), id="onsite-12h"),
        pytest.param(sh(2026, 10, 1, 10), 48, sh(2026, 10, 3, 10), id="restore-48h"),
        pytest.param(sh(2026, 12, 31, 20), 72, sh(2027, 1, 3, 20), id="follow-up-72h"),
    ],
)
def test_add_working_time_on_24x7(start: datetime, hours: int, expected: datetime) -> None:
    # given
    spec = TWENTY_FOUR_SEVEN

    # when
    due = add_working_time(spec, start, hours * HOUR)

    # then
    assert due == expected
    assert working_time_between(spec, start, due) == hours * HOUR


# --- daylight saving ------------------------------------------------------------------------


BERLIN_24X7 = CalendarSpec.build(
    "ber-24x7", "Europe/Berlin", {weekday: [("00:00", "24:00")] for weekday in range(7)}
)
# A holiday far from the DST dates forces the table path instead of the 24x7 arithmetic.
BERLIN_24X7_TABLE = CalendarSpec.build(
    "ber-24x7-table",
    "Europe/Berlin",
    {weekday: [("00:00", "24:00")] for weekday in range(7)},
    holidays=[date(2026, 1, 1)],
)
BERLIN_NIGHT = CalendarSpec.build(
    "ber-night", "Europe/Berlin", {weekday: [("01:00", "04:00")] for weekday in range(7)}
)
BERLIN_5X8 = CalendarSpec.build(
    "ber-5x8", "Europe/Berlin", {weekday: [("09:00", "17:00")] for weekday in range(5)}
)
NEW_YORK_7X8 = CalendarSpec.build(
    "ny-7x8", "America/New_York", {weekday: [("09:00", "17:00")] for weekday in range(7)}
)
NEW_YORK_5X8 = CalendarSpec.build(
    "ny-5x8", "America/New_York", {weekday: [("09:00", "17:00")] for weekday in range(5)}
)
NEW_YORK_NIGHT = CalendarSpec.build(
    "ny-night", "America/New_York", {weekday: [("00:00", "04:00")] for weekday in range(7)}
)


@pytest.mark.parametrize("spec", [BERLIN_24X7, BERLIN_24X7_TABLE], ids=["arithmetic", "table"])
def test_24_working_hours_across_berlin_spring_forward_are_25_wall_hours(
    spec: CalendarSpec,
) -> None:
    # given: Sat 2026-03-28 12:00 CET; clocks jump 02:00 -> 03:00 on Sunday (01:00 UTC)
    start = datetime(2026, 3, 28, 12, tzinfo=BERLIN)

    # when
    due = add_working_time(spec, start, 24 * HOUR)

    # then: 24 real hours later, which the wall clock shows as 13:00 next day
    assert due == utc(2026, 3, 29, 11)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 13)


@pytest.mark.parametrize("spec", [BERLIN_24X7, BERLIN_24X7_TABLE], ids=["arithmetic", "table"])
def test_24_working_hours_across_berlin_fall_back_are_23_wall_hours(spec: CalendarSpec) -> None:
    # given: Sat 2026-10-24 12:00 CEST; clocks go back 03:00 -> 02:00 on Sunday (01:00 UTC)
    start = datetime(2026, 10, 24, 12, tzinfo=BERLIN)

    # when
    due = add_working_time(spec, start, 24 * HOUR)

    # then
    assert due == utc(2026, 10, 25, 10)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 25, 11)


@pytest.mark.parametrize(
    ("spec", "day", "zone", "hours"),
    [
        pytest.param(BERLIN_24X7_TABLE, date(2026, 3, 29), BERLIN, 23, id="ber-24x7-spring"),
        pytest.param(BERLIN_24X7_TABLE, date(2026, 10, 25), BERLIN, 25, id="ber-24x7-fall"),
        pytest.param(BERLIN_24X7, date(2026, 10, 25), BERLIN, 25, id="ber-24x7-fall-arithmetic"),
        # 01:00-04:00 loses 02:00-03:00 in spring and repeats it in autumn.
        pytest.param(BERLIN_NIGHT, date(2026, 3, 28), BERLIN, 3, id="ber-night-plain"),
        pytest.param(BERLIN_NIGHT, date(2026, 3, 29), BERLIN, 2, id="ber-night-spring"),
        pytest.param(BERLIN_NIGHT, date(2026, 10, 25), BERLIN, 4, id="ber-night-fall"),
        pytest.param(BERLIN_5X8, date(2026, 3, 29), BERLIN, 0, id="ber-5x8-sunday"),
        # 00:00-04:00 loses 02:00-03:00 in spring and repeats 01:00-02:00 in autumn.
        pytest.param(NEW_YORK_NIGHT, date(2026, 3, 8), NEW_YORK, 3, id="ny-night-spring"),
        pytest.param(NEW_YORK_NIGHT, date(2026, 11, 1), NEW_YORK, 5, id="ny-night-fall"),
        pytest.param(NEW_YORK_7X8, date(2026, 3, 8), NEW_YORK, 8, id="ny-7x8-spring"),
        pytest.param(NEW_YORK_7X8, date(2026, 11, 1), NEW_YORK, 8, id="ny-7x8-fall"),
    ],
)
def test_working_time_on_a_dst_day(
    spec: CalendarSpec, day: date, zone: ZoneInfo, hours: int
) -> None:
    # given: from local midnight to the next local midnight
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)

    # when
    seconds = working_time_between(spec, start, end)

    # then
    assert seconds == hours * HOUR


@pytest.mark.parametrize(
    ("spec", "start", "hours", "expected"),
    [
        # 01:30 CET + 30 min to 02:00, which does not exist; resume at 03:00 CEST for 30 min.
        pytest.param(
            BERLIN_NIGHT,
            datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
            1,
            utc(2026, 3, 29, 1, 30),
            id="ber-night-spring",
        ),
        # 01:00 CEST (23:00 UTC) + 3 h: through 02:00-03:00 CEST, then 02:00-03:00 CET again.
        pytest.param(
            BERLIN_NIGHT,
            datetime(2026, 10, 25, 1, tzinfo=BERLIN),
            3,
            utc(2026, 10, 25, 2),
            id="ber-night-fall",
        ),
        pytest.param(
            NEW_YORK_NIGHT,
            datetime(2026, 11, 1, 0, tzinfo=NEW_YORK),
            4,
            utc(2026, 11, 1, 8),
            id="ny-night-fall",
        ),
        pytest.param(
            NEW_YORK_7X8,
            datetime(2026, 3, 7, 16, tzinfo=NEW_YORK),
            2,
            utc(2026, 3, 8, 14),
            id="ny-7x8-spring",
        ),
        pytest.param(
            NEW_YORK_5X8,
            datetime(2026, 3, 6, 16, tzinfo=NEW_YORK),
            2,
            utc(2026, 3, 9, 14),
            id="ny-5x8-over-spring-weekend",
        ),
        pytest.param(
            NEW_YORK_5X8,
            datetime(2026, 10, 30, 16, tzinfo=NEW_YORK),
            2,
            utc(2026, 11, 2, 15),
            id="ny-5x8-over-fall-weekend",
        ),
        pytest.param(
            BERLIN_5X8,
            datetime(2026, 3, 27, 16, tzinfo=BERLIN),
            2,
            utc(2026, 3, 30, 8),
            id="ber-5x8-over-spring-weekend",
        ),
    ],
)
def test_add_working_time_across_dst(
    spec: CalendarSpec, start: datetime, hours: int, expected: datetime
) -> None:
    # given
    seconds = hours * HOUR

    # when
    due = add_working_time(spec, start, seconds)

    # then
    assert due == expected
    assert working_time_between(spec, start, due) == seconds


def test_berlin_night_shift_on_fall_back_day_reads_03_00_cet_after_3_hours() -> None:
    # given
    start = datetime(2026, 10, 25, 1, tzinfo=BERLIN)

    # when
    due = add_working_time(BERLIN_NIGHT, start, 3 * HOUR)

    # then: 3 working hours from 01:00 CEST show as 03:00 CET on the wall clock
    local = due.astimezone(BERLIN)
    assert (local.hour, local.minute, local.utcoffset()) == (3, 0, timedelta(hours=1))


def test_berlin_5x8_week_across_spring_forward_has_40_hours() -> None:
    # given
    start = datetime(2026, 3, 23, tzinfo=BERLIN)
    end = datetime(2026, 3, 30, tzinfo=BERLIN)

    # when
    seconds = working_time_between(BERLIN_5X8, start, end)

    # then
    assert seconds == 40 * HOUR


# --- years without holiday data -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "start", "end", "expected"),
    [
        pytest.param(CN_5X8, sh(2026, 12, 31, 16), sh(2027, 1, 1, 10), [2027], id="into-2027"),
        pytest.param(CN_5X8, sh(2026, 3, 2, 9), sh(2026, 3, 2, 17), [], id="inside-2026"),
        pytest.param(CN_5X8, sh(2025, 12, 31, 9), sh(2028, 1, 2), [2025, 2027, 2028], id="span"),
        # 2026-12-31 20:00 UTC is already 2027-01-01 04:00 in Shanghai: years are local.
        pytest.param(CN_5X8, utc(2026, 12, 31, 10), utc(2026, 12, 31, 20), [2027], id="local"),
        pytest.param(CN_5X8, sh(2027, 1, 1), sh(2026, 1, 1), [], id="end-before-start"),
        pytest.param(TWENTY_FOUR_SEVEN, sh(2030, 1, 1), sh(2031, 1, 1), [], id="no-holidays"),
    ],
)
def test_years_without_data(
    spec: CalendarSpec, start: datetime, end: datetime, expected: list[int]
) -> None:
    # given: the specs above

    # when
    years = years_without_data(spec, start, end)

    # then
    assert years == expected


def test_deadline_across_year_end_is_computed_and_reports_the_missing_year() -> None:
    # given
    start = sh(2026, 12, 31, 16)

    # when
    due = add_working_time(CN_5X8, start, 2 * HOUR)
    missing = years_without_data(CN_5X8, start, due)

    # then: 2027-01-01 is treated as a plain Friday (no data), and that is reported
    assert due == sh(2027, 1, 1, 10)
    assert missing == [2027]


# --- make-up day hours ----------------------------------------------------------------------


def test_makeup_day_uses_first_working_weekday_hours_by_default() -> None:
    # given: Monday is off, so Tuesday's hours are the make-up hours
    spec = CalendarSpec.build(
        "tue-first",
        "Asia/Shanghai",
        {1: [("08:00", "12:00")], 2: [("09:00", "17:00")]},
        workdays=[date(2026, 3, 7)],
    )

    # when
    seconds = working_time_between(spec, sh(2026, 3, 7), sh(2026, 3, 8))

    # then
    assert spec.effective_makeup_intervals == ((8 * HOUR, 12 * HOUR),)
    assert seconds == 4 * HOUR


def test_makeup_day_uses_explicit_makeup_intervals() -> None:
    # given
    spec = CalendarSpec.build(
        "explicit",
        "Asia/Shanghai",
        {0: [("09:00", "17:00")]},
        workdays=[date(2026, 3, 7)],
        makeup_intervals=[("10:00", "11:30")],
    )

    # when
    due = add_working_time(spec, sh(2026, 3, 6, 12), HOUR)

    # then: Saturday 2026-03-07 is worked 10:00-11:30 only
    assert due == sh(2026, 3, 7, 11)
    assert working_time_between(spec, sh(2026, 3, 7), sh(2026, 3, 8)) == 90 * 60


# --- resolution and errors ------------------------------------------------------------------


def test_add_zero_returns_start_in_utc_even_outside_working_time() -> None:
    # given
    start = sh(2026, 3, 7, 12)

    # when
    due = add_working_time(CN_5X8, start, 0)

    # then
    assert due == start
    assert due.tzinfo is UTC


def test_microseconds_are_floored_to_the_second() -> None:
    # given
    start = sh(2026, 3, 2, 9, 0, 0).replace(microsecond=999_999)
    end = sh(2026, 3, 2, 10, 0, 0).replace(microsecond=999_999)

    # when
    due = add_working_time(CN_5X8, start, HOUR)
    seconds = working_time_between(CN_5X8, start, end)

    # then
    assert due == sh(2026, 3, 2, 10)
    assert seconds == HOUR


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_working_time(CN_5X8, datetime(2026, 3, 2, 9), 60), id="add"),
        pytest.param(
            lambda: working_time_between(CN_5X8, datetime(2026, 3, 2, 9), sh(2026, 3, 3)),
            id="between-start",
        ),
        pytest.param(
            lambda: working_time_between(CN_5X8, sh(2026, 3, 2), datetime(2026, 3, 3)),
            id="between-end",
        ),
        pytest.param(
            lambda: years_without_data(CN_5X8, sh(2026, 3, 2), datetime(2026, 3, 3)),
            id="years",
        ),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    # given: a call with a naive datetime (see the parameters)

    # when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_negative_duration_is_rejected() -> None:
    # given
    start = sh(2026, 3, 2, 9)

    # when / then
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        add_working_time(CN_5X8, start, -1)


def test_calendar_without_working_time_raises_instead_of_looping() -> None:
    # given
    spec = CalendarSpec.build("never", "Asia/Shanghai", {})

    # when
    seconds = working_time_between(spec, sh(2026, 1, 1), sh(2027, 1, 1))

    # then
    assert seconds == 0
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(spec, sh(2026, 1, 1), 1)


def test_calendar_with_only_holidays_ahead_gives_up_after_the_horizon() -> None:
    # given: every day from 2026 to 2080 is a holiday
    first = date(2026, 1, 1)
    spec = CalendarSpec.build(
        "closed",
        "Asia/Shanghai",
        {weekday: [("09:00", "17:00")] for weekday in range(5)},
        holidays=[first + timedelta(days=n) for n in range(55 * 366)],
    )

    # when / then
    with pytest.raises(ValueError, match="no deadline within 50 years"):
        add_working_time(spec, sh(2026, 1, 1), HOUR)


def test_makeup_days_only_calendar_finds_its_working_time_then_gives_up() -> None:
    # given: no weekly hours; one make-up day worked 09:00-17:00 (the default is empty, so
    # explicit make-up hours)
    spec = CalendarSpec.build(
        "odd",
        "Asia/Shanghai",
        {},
        workdays=[date(2026, 3, 7)],
        makeup_intervals=[("09:00", "17:00")],
    )

    # when
    due = add_working_time(spec, sh(2026, 1, 1), 8 * HOUR)

    # then
    assert due == sh(2026, 3, 7, 17)
    with pytest.raises(ValueError, match="no deadline within 50 years"):
        add_working_time(spec, sh(2026, 1, 1), 8 * HOUR + 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"weekly": {0: [("09:00", "12:00"), ("11:00", "17:00")]}},
            "overlaps or is out of order",
            id="overlapping",
        ),
        pytest.param(
            {"weekly": {0: [("13:00", "17:00"), ("09:00", "12:00")]}},
            "overlaps or is out of order",
            id="unsorted",
        ),
        pytest.param({"weekly": {0: [("09:00", "09:00")]}}, "start < end", id="empty-interval"),
        pytest.param({"weekly": {0: [(0, 86401)]}}, "start < end", id="past-midnight"),
        pytest.param({"weekly": {0: [("17:00", "09:00")]}}, "start < end", id="reversed"),
        pytest.param({"weekly": {0: [("9:00", "17:00")]}}, "invalid time", id="bad-time"),
        pytest.param({"weekly": {0: [("09:00", "24:30")]}}, "invalid time", id="bad-24"),
        pytest.param({"weekly": {7: [("09:00", "17:00")]}}, "weekday keys", id="bad-weekday"),
        pytest.param({"tz": "Mars/Olympus_Mons"}, "unknown time zone", id="unknown-tz"),
        pytest.param(
            {"holidays": [date(2026, 2, 14)], "workdays": [date(2026, 2, 14)]},
            "both holiday and make-up workday: 2026-02-14",
            id="holiday-and-workday",
        ),
        pytest.param(
            {"makeup_intervals": [("10:00", "12:00"), ("11:00", "13:00")]},
            "makeup_intervals",
            id="bad-makeup",
        ),
    ],
)
def test_build_rejects_invalid_calendars(kwargs: dict[str, object], message: str) -> None:
    # given
    arguments: dict[str, object] = {
        "code": "bad",
        "tz": "Asia/Shanghai",
        "weekly": {0: [("09:00", "17:00")]},
        **kwargs,
    }

    # when / then
    with pytest.raises(ValueError, match=message):
        CalendarSpec.build(**arguments)  # type: ignore[arg-type]  # deliberately loose input


def test_build_accepts_24_00_and_seconds_and_the_spec_is_hashable() -> None:
    # given
    spec = CalendarSpec.build(
        "ok", "UTC", {0: [("00:00", "08:30:15"), (40000, "24:00")]}, holiday_years=[2026]
    )

    # when
    same = CalendarSpec.build(
        "ok",
        "UTC",
        {0: [(0, 8 * HOUR + 30 * 60 + 15), ("11:06:40", "24:00")]},
        holiday_years=[2026],
    )

    # then
    assert spec.weekly[0] == ((0, 30615), (40000, 86400))
    assert spec == same
    assert hash(spec) == hash(same)
