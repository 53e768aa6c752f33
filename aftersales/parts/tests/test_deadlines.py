"""Table tests of ship_by (14:00 rule), return_due (10 depot working days) and the exchange-repair
due time (72 working hours) on the cn-5x8 calendar with the real 2026 Chinese holidays."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.calendars.selectors import calendar_spec
from aftersales.parts.services import exchange_due_for, return_due_for, ship_by_for

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("confirmed", "ship_by"),
    [
        ("2026-09-29 13:59", "2026-09-29 17:00"),  # Tuesday before 14:00: same day
        ("2026-09-29 14:00", "2026-09-30 12:00"),  # 14:00 sharp: next working day
        ("2026-09-29 08:00", "2026-09-29 17:00"),  # before opening still counts as that day
        ("2026-09-30 15:00", "2026-10-08 12:00"),  # before National Day: after the week off
        ("2026-10-03 10:00", "2026-10-08 12:00"),  # inside the holiday
        ("2026-10-09 16:30", "2026-10-10 12:00"),  # Friday → make-up Saturday 10-10
        ("2026-10-10 11:00", "2026-10-10 17:00"),  # make-up Saturday is a working day
        ("2026-10-11 11:00", "2026-10-12 12:00"),  # ordinary Sunday
        ("2026-02-13 15:00", "2026-02-14 12:00"),  # Friday → make-up Saturday before 春节
        ("2026-02-14 15:00", "2026-02-24 12:00"),  # then the Spring Festival week
        ("2026-01-04 09:30", "2026-01-04 17:00"),  # make-up Sunday after 元旦
        ("2025-12-31 14:30", "2026-01-04 12:00"),  # New Year's Eve afternoon
    ],
)
def test_ship_by_14_00_rule(confirmed, ship_by):
    spec = calendar_spec("cn-5x8")
    assert ship_by_for(spec, at(confirmed)) == at(ship_by)


def test_ship_by_reads_the_instant_in_the_depot_zone():
    spec = calendar_spec("cn-5x8")
    # 05:30 UTC is 13:30 in Shanghai: same day.
    confirmed = datetime(2026, 9, 29, 5, 30, tzinfo=ZoneInfo("UTC"))
    assert ship_by_for(spec, confirmed) == at("2026-09-29 17:00")


@pytest.mark.parametrize(
    ("delivered", "due"),
    [
        # Working days after 09-28 (Mon): 29, 30, 10-08, 09, 10(Sat make-up), 12, 13, 14, 15, 16.
        ("2026-09-28 10:00", "2026-10-16 17:00"),
        # Delivered on a holiday: 10-08, 09, 10 (Sat make-up), 12, 13, 14, 15, 16, 19, 20.
        ("2026-10-02 10:00", "2026-10-20 17:00"),
        # Delivered 02-13 (Fri): 02-14 (Sat make-up), 24, 25, 26, 27, 28 (Sat make-up), 3-2..3-5.
        ("2026-02-13 16:00", "2026-03-05 17:00"),
        # An ordinary fortnight.
        ("2026-11-02 09:00", "2026-11-16 17:00"),
        # Late evening delivery still counts from the next day.
        ("2026-11-02 23:59", "2026-11-16 17:00"),
    ],
)
def test_return_due_is_closing_time_of_tenth_working_day(delivered, due):
    assert return_due_for(calendar_spec("cn-5x8"), at(delivered)) == at(due)


@pytest.mark.parametrize(
    ("received", "warn", "due"),
    [
        # 72 working hours = 9 working days of 8 h; 75 % = 54 h = 6 d 6 h.
        ("2026-11-02 09:00", "2026-11-10 15:00", "2026-11-12 17:00"),
        # Received Wednesday 09-30 13:00: 4 h that day, then 10-08 (Thu), 09, 10 (Sat make-up), ...
        ("2026-09-30 13:00", "2026-10-15 11:00", "2026-10-19 13:00"),
        # Received during the holiday: the clock starts on 10-08 at 09:00.
        ("2026-10-05 12:00", "2026-10-15 15:00", "2026-10-19 17:00"),
    ],
)
def test_exchange_repair_due_after_72_working_hours(received, warn, due):
    assert exchange_due_for(calendar_spec("cn-5x8"), at(received)) == (at(warn), at(due))
