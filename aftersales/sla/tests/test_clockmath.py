"""Clock arithmetic: a clock that never paused takes the short way, to the same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.calendars.tests.test_engine import CN_5X8, SPLIT_SHIFT, TWENTY_FOUR_SEVEN
from aftersales.sla import clockmath

SPECS = st.sampled_from([CN_5X8, SPLIT_SHIFT, TWENTY_FOUR_SEVEN])
STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(UTC)
)
# A pause long after any budget here runs out changes nothing: the general way, for comparison.
FAR = timedelta(days=3650)


@settings(max_examples=300, deadline=None)
@given(SPECS, STARTS, st.integers(0, 30 * 3600), st.integers(-7200, 40 * 86400))
def test_a_clock_without_pauses_is_due_when_the_segments_say(spec, start, amount, now_after):
    now = start + timedelta(seconds=now_after)
    pause = [(start + FAR, start + FAR + timedelta(hours=1))]
    assert clockmath.instant_when(spec, start, [], amount, now=now) == clockmath.instant_when(
        spec, start, pause, amount, now=now
    )


@settings(max_examples=300, deadline=None)
@given(SPECS, STARTS, st.integers(-7200, 40 * 86400))
def test_a_clock_without_pauses_used_what_the_segments_say(spec, start, until_after):
    until = start + timedelta(seconds=until_after)
    pause = [(start + FAR, start + FAR + timedelta(hours=1))]
    assert clockmath.consumed(spec, start, [], until) == clockmath.consumed(
        spec, start, pause, until
    )


def test_pauses_still_count() -> None:
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    pause = [(start + timedelta(hours=1), start + timedelta(hours=3))]
    now = start + timedelta(hours=5)
    plain = clockmath.instant_when(CN_5X8, start, [], 4 * 3600, now=now)
    paused = clockmath.instant_when(CN_5X8, start, pause, 4 * 3600, now=now)
    assert paused - plain == timedelta(hours=2)
    assert clockmath.consumed(CN_5X8, start, pause, now) == 3 * 3600
    assert clockmath.consumed(CN_5X8, start, [], now) == 5 * 3600
