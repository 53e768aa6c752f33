"""Property tests: the engine against a literal minute-by-minute reference (pure, no Django).

The reference implements the definition of working time word for word: for each whole-minute
instant, convert to the calendar's zone and test the local date and wall-clock time. Calendars,
zone offsets and DST transitions in the sampled zones are all on whole minutes, so each minute
is either entirely working or entirely not, and counting minutes is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from aftersales.calendars.engine import CalendarSpec, add_working_time, working_time_between

ZONES = [
    "Asia/Shanghai",
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
]
MINUTE = 60
WINDOW_MINUTES = 14 * 24 * 60  # the reference looks two weeks ahead of the start
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2027, 12, 31)
BOUNDED = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@cache
def dst_transition_dates(zone_name: str) -> tuple[date, ...]:
    """Return the local dates in 2024-2027 on which `zone_name` changes its UTC offset.

    Found by brute force (hourly samples), independently of the engine.
    """
    zone = ZoneInfo(zone_name)
    t = int(datetime(FIRST_DAY.year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(LAST_DAY.year + 1, 1, 1, tzinfo=UTC).timestamp())
    found: list[date] = []
    previous = datetime.fromtimestamp(t, zone).utcoffset()
    while t < end:
        t += 3600
        local = datetime.fromtimestamp(t, zone)
        if local.utcoffset() != previous:
            found.append(local.date())
            previous = local.utcoffset()
    return tuple(found)


# --- strategies -----------------------------------------------------------------------------


@st.composite
def day_intervals(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    """Draw a sorted tuple of disjoint whole-minute intervals within a day (maybe empty)."""
    kind = draw(st.sampled_from(["empty", "empty", "full", "random", "random", "random"]))
    if kind == "empty":
        return ()
    if kind == "full":
        return ((0, 86400),)
    # Bias some boundaries to the hours where DST transitions happen (00:00-04:00).
    point = st.one_of(st.integers(0, 1440), st.integers(0, 240))
    points = sorted(set(draw(st.lists(point, min_size=2, max_size=6))))
    return tuple((points[i] * MINUTE, points[i + 1] * MINUTE) for i in range(0, len(points) - 1, 2))


@dataclass(frozen=True)
class Case:
    """A random calendar and a start instant (UTC epoch seconds) near interesting dates."""

    spec: CalendarSpec
    start: int


@st.composite
def cases(draw: st.DrawFn, *, second_resolution: bool = False) -> Case:
    """Draw a calendar and a start instant, biased towards the zone's DST transition dates."""
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    transitions = dst_transition_dates(zone_name)
    on_transition = bool(transitions) and draw(st.booleans())
    anchor = draw(st.sampled_from(transitions) if on_transition else st.dates(FIRST_DAY, LAST_DAY))
    weekly = tuple(draw(day_intervals()) for _ in range(7))
    # Holidays and make-up days in a two-month window around the anchor.
    offsets = st.lists(st.integers(-10, 50), max_size=12, unique=True)
    holidays = frozenset(anchor + timedelta(days=n) for n in draw(offsets))
    workdays = frozenset(anchor + timedelta(days=n) for n in draw(offsets)) - holidays
    makeup = draw(st.one_of(st.none(), day_intervals()))
    spec = CalendarSpec(
        code="random",
        tz=zone_name,
        weekly=weekly,
        holidays=holidays,
        workdays=workdays,
        makeup_intervals=makeup,
        holiday_years=None,
    )
    midnight = int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=zone).timestamp())
    # Start up to 3 days before the anchor's local midnight (so the window crosses it).
    if second_resolution:
        start = midnight + draw(st.integers(-3 * 86400, 86400))
    else:
        start = midnight + draw(st.integers(-3 * 1440, 1440)) * MINUTE
    return Case(spec=spec, start=start)


# --- the reference --------------------------------------------------------------------------


def is_working_instant(spec: CalendarSpec, t: int) -> bool:
    """Return whether UTC epoch second `t` is working time, straight from the definition."""
    local = datetime.fromtimestamp(t, ZoneInfo(spec.tz))
    day = local.date()
    if day in spec.holidays:
        return False
    if day in spec.workdays:
        if spec.makeup_intervals is not None:
            intervals = spec.makeup_intervals
        else:
            intervals = next((weekday for weekday in spec.weekly if weekday), ())
    else:
        intervals = spec.weekly[day.weekday()]
    second_of_day = local.hour * 3600 + local.minute * 60 + local.second
    return any(start <= second_of_day < end for start, end in intervals)


def working_minutes_prefix(spec: CalendarSpec, start: int) -> list[int]:
    """Return p where p[m] is the number of working minutes in the first m minutes."""
    flags = (
        1 if is_working_instant(spec, start + m * MINUTE) else 0 for m in range(WINDOW_MINUTES)
    )
    return [0, *accumulate(flags)]


def crosses_offset_change(spec: CalendarSpec, start: int) -> bool:
    """Return whether the zone's UTC offset changes inside the reference window."""
    zone = ZoneInfo(spec.tz)
    end = start + WINDOW_MINUTES * MINUTE
    return datetime.fromtimestamp(start, zone).utcoffset() != (
        datetime.fromtimestamp(end, zone).utcoffset()
    )


def utc(t: int) -> datetime:
    """Return UTC epoch second `t` as an aware datetime."""
    return datetime.fromtimestamp(t, UTC)


# --- properties -----------------------------------------------------------------------------


@BOUNDED
@given(
    case=cases(),
    ends=st.lists(st.integers(-60, WINDOW_MINUTES), min_size=1, max_size=4),
    from_minute=st.integers(0, WINDOW_MINUTES),
    durations=st.lists(st.integers(0, 3 * 1440), min_size=1, max_size=3),
    closing_pick=st.integers(0, 10**6),
)
def test_engine_matches_the_minute_reference(
    case: Case, ends: list[int], from_minute: int, durations: list[int], closing_pick: int
) -> None:
    # given
    spec, start = case.spec, case.start
    prefix = working_minutes_prefix(spec, start)
    event(f"window crosses a DST change: {crosses_offset_change(spec, start)}")
    # Random durations rarely end exactly at a closing time, where "earliest instant" matters
    # most (closing time, not next opening): add one duration that does.
    closings = [
        prefix[m]
        for m in range(1, WINDOW_MINUTES)
        if prefix[m] > prefix[m - 1] and prefix[m + 1] == prefix[m]
    ]
    if closings:
        durations = [*durations, closings[closing_pick % len(closings)]]

    # when / then: working time between the start and several ends
    for end_minute in ends:
        expected = prefix[end_minute] * MINUTE if end_minute > 0 else 0
        actual = working_time_between(spec, utc(start), utc(start + end_minute * MINUTE))
        assert actual == expected

    # when / then: working time between two instants inside the window
    low, high = sorted((from_minute, ends[0] if ends[0] > 0 else 0))
    actual = working_time_between(spec, utc(start + low * MINUTE), utc(start + high * MINUTE))
    assert actual == (prefix[high] - prefix[low]) * MINUTE

    # when / then: deadlines, wherever the reference window can decide them
    for minutes in durations:
        if prefix[-1] >= minutes:
            # the earliest m with `minutes` working minutes in [start, start + m)
            m = next(i for i, count in enumerate(prefix) if count >= minutes)
            due = add_working_time(spec, utc(start), minutes * MINUTE)
            assert due == utc(start + m * MINUTE)
        elif any(spec.weekly):
            due = add_working_time(spec, utc(start), minutes * MINUTE)
            assert due > utc(start + WINDOW_MINUTES * MINUTE)


@BOUNDED
@given(case=cases(second_resolution=True), seconds=st.integers(0, 10 * 86400))
def test_working_time_between_inverts_add_working_time(case: Case, seconds: int) -> None:
    # given
    assume(any(case.spec.weekly))
    spec, start = case.spec, utc(case.start)

    # when
    due = add_working_time(spec, start, seconds)

    # then: exactly `seconds` of work, and no earlier instant has them all
    assert working_time_between(spec, start, due) == seconds
    assert due >= start
    if seconds > 0:
        assert working_time_between(spec, start, due - timedelta(seconds=1)) == seconds - 1
        assert is_working_instant(spec, int(due.timestamp()) - 1)


@BOUNDED
@given(
    case=cases(second_resolution=True),
    first=st.integers(0, 5 * 86400),
    second=st.integers(1, 5 * 86400),
)
def test_deadlines_compose_and_working_time_adds_up(case: Case, first: int, second: int) -> None:
    # given
    assume(any(case.spec.weekly))
    spec, start = case.spec, utc(case.start)

    # when
    middle = add_working_time(spec, start, first)
    chained = add_working_time(spec, middle, second)
    direct = add_working_time(spec, start, first + second)

    # then
    assert chained == direct
    total = working_time_between(spec, start, direct)
    assert total == working_time_between(spec, start, middle) + working_time_between(
        spec, middle, direct
    )
    assert total == first + second
