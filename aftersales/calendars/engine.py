"""Business-calendar arithmetic: working time between instants, and deadlines.

This module is pure (standard library only, no Django, no ORM) so that SLA maths can be
tested exhaustively and reused by every app. A calendar is a frozen `CalendarSpec`; the
selector that loads calendars from the database builds one with `CalendarSpec.build()`.

Definition of working time. An instant ``t`` is working time iff, with ``L`` being ``t``
converted to the calendar's zone, the local date ``d = L.date()`` is not a holiday and the
wall-clock seconds-of-day of ``L`` lie in ``[start, end)`` of one of ``d``'s intervals. ``d``'s
intervals are the make-up intervals if ``d`` is a make-up working day (调休), else the weekly
intervals of ``d``'s weekday. Consequences around daylight-saving transitions: a skipped local
hour contributes nothing, and a repeated local hour that lies in working hours counts twice (both
passes are real elapsed time). The working time between two instants is the measure, in seconds,
of the working instants in ``[start, end)``.

Resolution. The engine works in whole seconds: sub-second parts of input datetimes are floored
(09:00:00.900 counts as 09:00:00), and results are whole-second aware UTC datetimes.

Cost. Each calendar is compiled once (cached on the spec, which is frozen and hashable) into a
table of working intervals as integer UTC epoch seconds with cumulative working seconds. The
table is built lazily in chunks of about a year and extended on demand; both public functions
then answer with two binary searches, so their cost does not grow with the duration. A calendar
that works 24 hours every day without holidays (24x7) is answered with plain arithmetic.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from math import floor
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAY_SECONDS",
    "SEARCH_HORIZON_YEARS",
    "CalendarSpec",
    "add_working_time",
    "working_time_between",
    "years_without_data",
]

Interval = tuple[int, int]
"""A local ``(start_second, end_second)`` range within a day, end exclusive."""
DayIntervals = tuple[Interval, ...]
"""The sorted, disjoint working intervals of one day."""
TimeValue = str | time | int
"""A time of day accepted by `CalendarSpec.build`: ``"HH:MM[:SS]"``, `time`, or seconds."""

DAY_SECONDS = 86400
"""Seconds in a calendar day; an interval may end at 86400 (midnight at the end of the day)."""

SEARCH_HORIZON_YEARS = 50
"""How far past the start `add_working_time` searches before giving up with ValueError."""

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# 1970-01-01 was a Thursday (weekday 3), so day index k has weekday (k + 3) % 7.
_EPOCH_WEEKDAY = 3
_FULL_DAY: DayIntervals = ((0, DAY_SECONDS),)

# Table chunks are aligned on a fixed UTC grid (2**25 s, about 388 days) rather than on local
# years: the build works on UTC segments of constant offset, so any chunk boundary is exact, and
# a fixed grid keeps chunk arithmetic to one integer division.
_CHUNK_SECONDS = 1 << 25
# The zone's UTC offset is sampled at this step and each change is located to the second by
# bisection. tzdata has no two offset changes less than two days apart since 1900, so a 6-hour
# step cannot miss a change and its reversal.
_OFFSET_STEP = 6 * 3600
_HORIZON_SECONDS = SEARCH_HORIZON_YEARS * 366 * DAY_SECONDS
# Stay a few days inside datetime's range so that local conversions never overflow.
_MIN_SECONDS = floor(datetime(1, 1, 3, tzinfo=UTC).timestamp())
_MAX_SECONDS = floor(datetime(9999, 12, 29, tzinfo=UTC).timestamp())


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Describe a business calendar: zone, weekly hours, holidays and make-up working days.

    ``weekly`` has 7 entries, Monday first; each is a sorted tuple of non-overlapping
    ``(start_second, end_second)`` local intervals with ``0 <= start < end <= 86400``.
    ``holidays`` are local dates with no working time at all. ``workdays`` are make-up working
    days (调休), worked with ``makeup_intervals`` even if their weekday is off; when
    ``makeup_intervals`` is None they use the intervals of the first weekday (Mon..Sun) that
    has any working time. ``holiday_years`` lists the years for which holiday data exists; None
    means the calendar does not observe holidays (24x7, 7x8), so no year is ever reported as
    missing. A year missing from the data is computed as a plain week (no holidays).

    Raises ValueError for malformed intervals, an unknown zone, or a date that is both a
    holiday and a make-up working day; TypeError for values of the wrong type.
    """

    code: str
    tz: str
    weekly: tuple[DayIntervals, ...]
    holidays: frozenset[date]
    workdays: frozenset[date]
    makeup_intervals: DayIntervals | None = None
    holiday_years: frozenset[int] | None = None

    def __post_init__(self) -> None:
        """Validate the spec so that every instance the engine sees is well formed."""
        _validate_spec(self)

    @classmethod
    def build(
        cls,
        code: str,
        tz: str,
        weekly: Mapping[int, Iterable[tuple[TimeValue, TimeValue]]],
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        makeup_intervals: Iterable[tuple[TimeValue, TimeValue]] | None = None,
        holiday_years: Iterable[int] | None = None,
    ) -> CalendarSpec:
        """Return a validated spec built from simple values.

        ``weekly`` maps a weekday (Monday=0 .. Sunday=6) to its intervals; a missing weekday has
        no working time. Interval bounds are ``"HH:MM"`` or ``"HH:MM:SS"`` strings (``"24:00"``
        is the end of the day), ``datetime.time`` values (an end of ``time(0)`` means midnight
        at the end of the day) or integer seconds of the day. Intervals must be given sorted.

        Raises ValueError for bad weekdays, times or intervals, an unknown zone, or a date that
        is both a holiday and a make-up working day.
        """
        unknown = sorted(k for k in weekly if k not in range(7))
        if unknown:
            raise ValueError(f"calendar {code!r}: weekday keys must be 0..6 (Monday=0): {unknown}")
        days = tuple(_parse_intervals(code, weekly.get(k, ())) for k in range(7))
        makeup = None if makeup_intervals is None else _parse_intervals(code, makeup_intervals)
        return cls(
            code=code,
            tz=tz,
            weekly=days,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            makeup_intervals=makeup,
            holiday_years=None if holiday_years is None else frozenset(holiday_years),
        )

    @property
    def effective_makeup_intervals(self) -> DayIntervals:
        """Return the intervals worked on a make-up day (explicit, or the first working weekday)."""
        if self.makeup_intervals is not None:
            return self.makeup_intervals
        return next((day for day in self.weekly if day), ())

    def intervals_on(self, day: date) -> DayIntervals:
        """Return the local working intervals of `day`: none on a holiday, make-up hours on a
        make-up working day, else the weekly hours of its weekday."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.effective_makeup_intervals
        return self.weekly[day.weekday()]


def add_working_time(spec: CalendarSpec, start: datetime, seconds: int) -> datetime:
    """Return the earliest instant ``t >= start`` with ``seconds`` of working time in
    ``[start, t)``, as an aware UTC datetime.

    ``seconds == 0`` returns ``start`` (floored to the second, in UTC). A deadline that is
    reached exactly at a closing time is that closing time, not the next opening. A start
    outside working time counts from the next opening.

    Raises ValueError if ``start`` is naive, ``seconds`` is negative, the calendar has no
    working time at all, or the deadline lies more than `SEARCH_HORIZON_YEARS` after ``start``.
    """
    comp = _compiled(spec)
    s = _epoch_seconds(start)
    if seconds <= 0:
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        return datetime.fromtimestamp(s, UTC)
    if comp.kind is _Kind.FULL:
        return _from_epoch(s + seconds)
    if comp.kind is _Kind.NONE:
        raise ValueError(f"calendar {spec.code!r} has no working time")
    state = comp.state
    if s < state[0] or s > state[1]:
        state = comp.ensure(s, s)
    _, _, wlo, starts, ends, cum, cend = state
    # Working time already elapsed before `s`, counted from the table's origin.
    i = bisect_right(starts, s) - 1
    if i < 0:
        elapsed = wlo
    elif s >= ends[i]:
        elapsed = cend[i]
    else:
        elapsed = cum[i] + s - starts[i]
    target = elapsed + seconds
    lo = i if i > 0 else 0
    if not cend or cend[-1] < target:
        # Cumulative values keep their origin when the table grows, so `target` stays valid;
        # indices may shift (another thread may have prepended chunks), so `lo` may not.
        _, _, _, starts, _, cum, cend = comp.extend_to(target, s)
        lo = 0
    # The first interval whose cumulative end reaches the target holds the deadline; when the
    # target equals that end, the deadline is the closing time itself.
    j = bisect_left(cend, target, lo)
    return _from_epoch(starts[j] + target - cum[j])


def working_time_between(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    """Return the working seconds in ``[start, end)``; 0 when ``end <= start``.

    Raises ValueError if either datetime is naive.
    """
    comp = _compiled(spec)
    a = _epoch_seconds(start)
    b = _epoch_seconds(end)
    if b <= a:
        return 0
    if comp.kind is _Kind.FULL:
        return b - a
    if comp.kind is _Kind.NONE:
        return 0
    state = comp.state
    if a < state[0] or b > state[1]:
        state = comp.ensure(a, b)
    return _elapsed(state, b) - _elapsed(state, a)


def years_without_data(spec: CalendarSpec, start: datetime, end: datetime) -> list[int]:
    """Return the sorted local years touched by ``[start, end]`` that have no holiday data.

    Empty when the calendar does not observe holidays (``holiday_years`` is None) or when
    ``end < start``. Callers report these years as warnings; the computations still run and
    treat such years as having no holidays and no make-up days.

    Raises ValueError if either datetime is naive.
    """
    a = _epoch_seconds(start)
    b = _epoch_seconds(end)
    known = spec.holiday_years
    if known is None or b < a:
        return []
    zone = _compiled(spec).zone
    first = datetime.fromtimestamp(a, zone).year
    last = datetime.fromtimestamp(b, zone).year
    return [year for year in range(first, last + 1) if year not in known]


# --- internals -------------------------------------------------------------------------------


class _Kind:
    """Markers for the three ways a compiled calendar answers."""

    FULL = object()  # 24 hours every day, no holidays: working time is elapsed time
    NONE = object()  # no working time anywhere
    TABLE = object()  # general case: bisect a table of UTC working intervals


# (lo, hi, W(lo), starts, ends, cum, cend): the table covers UTC seconds [lo, hi]; interval i is
# [starts[i], ends[i]) with cum[i] working seconds before it and cend[i] = cum[i] + its length.
# Cumulative values are relative to an arbitrary origin; only differences are meaningful.
_State = tuple[int, int, int, list[int], list[int], list[int], list[int]]


class _Compiled:
    """A calendar compiled into a lazily extended table of UTC working intervals.

    The state is replaced as a whole (copy on write) under a lock, so concurrent readers always
    see one consistent snapshot without locking.
    """

    __slots__ = ("_holidays", "_lock", "_makeup", "_weekly", "_workdays", "kind", "state", "zone")

    def __init__(self, spec: CalendarSpec) -> None:
        self.zone = ZoneInfo(spec.tz)
        self._weekly = spec.weekly
        self._makeup = spec.effective_makeup_intervals
        # Day indices (days since 1970-01-01) make the per-day lookups cheap during a build.
        self._holidays = frozenset(d.toordinal() - _EPOCH_ORDINAL for d in spec.holidays)
        self._workdays = frozenset(d.toordinal() - _EPOCH_ORDINAL for d in spec.workdays)
        self._lock = threading.Lock()
        self.state: _State = (0, 0, 0, [], [], [], [])
        has_makeup_time = bool(spec.workdays) and bool(self._makeup)
        if (
            all(day == _FULL_DAY for day in spec.weekly)
            and not spec.holidays
            and (not spec.workdays or self._makeup == _FULL_DAY)
        ):
            self.kind = _Kind.FULL
        elif not any(spec.weekly) and not has_makeup_time:
            self.kind = _Kind.NONE
        else:
            self.kind = _Kind.TABLE

    def ensure(self, a: int, b: int) -> _State:
        """Return a state whose table covers ``[a, b]``, building missing chunks."""
        with self._lock:
            state = self.state
            lo, hi = state[0], state[1]
            if lo <= a and b <= hi and lo < hi:
                return state
            first = a // _CHUNK_SECONDS * _CHUNK_SECONDS
            last = (b // _CHUNK_SECONDS + 1) * _CHUNK_SECONDS
            if first < _MIN_SECONDS or last > _MAX_SECONDS:
                raise ValueError("instant outside the range supported by the calendar engine")
            if lo == hi:  # empty table
                self.state = _make_state(first, last, 0, self._build(first, last))
                return self.state
            before: list[Interval] = self._build(first, lo) if first < lo else []
            after: list[Interval] = self._build(hi, last) if last > hi else []
            new_lo, new_hi = min(first, lo), max(last, hi)
            wlo = state[2] - sum(e - s for s, e in before)
            pairs = [*before, *zip(state[3], state[4], strict=True), *after]
            self.state = _make_state(new_lo, new_hi, wlo, pairs)
            return self.state

    def extend_to(self, target: int, start: int) -> _State:
        """Return a state whose cumulative working time reaches ``target``.

        Raises ValueError if that needs a table beyond `SEARCH_HORIZON_YEARS` after ``start``.
        """
        state = self.state
        while not state[6] or state[6][-1] < target:
            if state[1] - start > _HORIZON_SECONDS:
                raise ValueError(
                    f"no deadline within {SEARCH_HORIZON_YEARS} years: the calendar has too "
                    "little working time ahead"
                )
            state = self.ensure(start, state[1] + 1)
        return state

    def _build(self, a: int, b: int) -> list[Interval]:
        """Return the sorted UTC working intervals inside ``[a, b)``."""
        out: list[Interval] = []
        weekly, makeup = self._weekly, self._makeup
        holidays, workdays = self._holidays, self._workdays
        for seg_a, seg_b, off in self._offset_segments(a, b):
            # Within a segment of constant offset, local seconds are UTC seconds + off.
            la, lb = seg_a + off, seg_b + off
            for k in range(la // DAY_SECONDS, (lb - 1) // DAY_SECONDS + 1):
                if k in holidays:
                    continue
                day = makeup if k in workdays else weekly[(k + _EPOCH_WEEKDAY) % 7]
                base = k * DAY_SECONDS
                for s, e in day:
                    lo = max(base + s, la)
                    hi = min(base + e, lb)
                    if lo < hi:
                        out.append((lo - off, hi - off))
        return out

    def _offset_segments(self, a: int, b: int) -> list[tuple[int, int, int]]:
        """Split ``[a, b)`` into ``(start, end, utc_offset)`` pieces of constant offset."""
        segments: list[tuple[int, int, int]] = []
        seg_start, cur = a, self._offset(a)
        t = a
        while t < b:
            n = min(t + _OFFSET_STEP, b)
            new = self._offset(n)
            if new != cur:
                # Bisect to the first second carrying the new offset (tzdata changes are whole
                # seconds, so this is exact).
                lo, hi = t, n
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if self._offset(mid) == cur:
                        lo = mid
                    else:
                        hi = mid
                segments.append((seg_start, hi, cur))
                seg_start, cur = hi, new
            t = n
        if seg_start < b:
            segments.append((seg_start, b, cur))
        return segments

    def _offset(self, t: int) -> int:
        """Return the zone's UTC offset in seconds at UTC epoch second ``t``."""
        delta = datetime.fromtimestamp(t, self.zone).utcoffset()
        if delta is None:  # a ZoneInfo always yields an offset; this narrows the type
            raise ValueError(f"zone {self.zone.key!r} gave no UTC offset")
        return delta.days * DAY_SECONDS + delta.seconds


def _make_state(lo: int, hi: int, wlo: int, pairs: Iterable[Interval]) -> _State:
    """Return a table state from sorted disjoint intervals, merging the ones that touch."""
    starts: list[int] = []
    ends: list[int] = []
    cum: list[int] = []
    cend: list[int] = []
    acc = wlo
    for s, e in pairs:
        if ends and ends[-1] == s:
            # Touching intervals (a day ending at 24:00 and the next starting at 00:00, or a
            # chunk boundary) are merged: fewer entries, same answers.
            ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
            cum.append(acc)
            cend.append(acc)
        acc += e - s
        cend[-1] = acc
    return (lo, hi, wlo, starts, ends, cum, cend)


def _elapsed(state: _State, t: int) -> int:
    """Return the cumulative working time W(t) for ``t`` inside the table's range."""
    _, _, wlo, starts, ends, cum, cend = state
    i = bisect_right(starts, t) - 1
    if i < 0:
        return wlo
    if t >= ends[i]:
        return cend[i]
    return cum[i] + t - starts[i]


_last: tuple[CalendarSpec, _Compiled] | None = None


def _compiled(spec: CalendarSpec) -> _Compiled:
    """Return the compiled form of `spec`, skipping the hash for the spec used last."""
    # A one-entry identity cache in front of the LRU: hashing a spec costs more than a call.
    global _last
    last = _last
    if last is not None and last[0] is spec:
        return last[1]
    comp = _compile(spec)
    _last = (spec, comp)
    return comp


@lru_cache(maxsize=128)
def _compile(spec: CalendarSpec) -> _Compiled:
    """Return a new compiled calendar; cached on the (frozen, hashable) spec."""
    return _Compiled(spec)


def _epoch_seconds(value: datetime) -> int:
    """Return `value` as integer UTC epoch seconds, flooring any microseconds.

    Raises ValueError for a naive datetime.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {value.isoformat()}")
    return floor(value.timestamp())


def _from_epoch(t: int) -> datetime:
    """Return UTC epoch second `t` as an aware UTC datetime.

    Raises ValueError if `t` is outside datetime's range.
    """
    try:
        return datetime.fromtimestamp(t, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError("deadline outside the range of datetime") from exc


def _parse_intervals(code: str, raw: Iterable[tuple[TimeValue, TimeValue]]) -> DayIntervals:
    """Return intervals in seconds of the day from ``(start, end)`` pairs of time values."""
    return tuple(
        (_parse_time(code, start, is_end=False), _parse_time(code, end, is_end=True))
        for start, end in raw
    )


def _parse_time(code: str, value: TimeValue, *, is_end: bool) -> int:
    """Return `value` as seconds of the day; ends may be ``"24:00"`` or ``time(0)``."""
    if isinstance(value, bool):  # bool is an int subclass; True is not a time of day
        raise TypeError(f"calendar {code!r}: invalid time value {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return DAY_SECONDS if is_end and seconds == 0 else seconds
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) in (2, 3) and all(p.isdigit() and len(p) == 2 for p in parts):
            h, m, s = (int(p) for p in (*parts, "00")[:3])
            if m < 60 and s < 60 and (h < 24 or (h == 24 and m == s == 0)):
                return h * 3600 + m * 60 + s
        raise ValueError(f"calendar {code!r}: invalid time {value!r}, expected HH:MM[:SS]")
    raise TypeError(f"calendar {code!r}: invalid time value {value!r}")


def _validate_spec(spec: CalendarSpec) -> None:
    """Raise ValueError or TypeError if `spec` is malformed."""
    code = spec.code
    if not isinstance(spec.tz, str) or not spec.tz:
        raise ValueError(f"calendar {code!r}: tz must be an IANA zone name")
    try:
        ZoneInfo(spec.tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"calendar {code!r}: unknown time zone {spec.tz!r}") from exc
    if not isinstance(spec.weekly, tuple) or len(spec.weekly) != 7:
        raise ValueError(f"calendar {code!r}: weekly must be a tuple of 7 days, Monday first")
    for weekday, day in enumerate(spec.weekly):
        _validate_day(code, f"weekday {weekday}", day)
    if spec.makeup_intervals is not None:
        _validate_day(code, "makeup_intervals", spec.makeup_intervals)
    for name, dates in (("holidays", spec.holidays), ("workdays", spec.workdays)):
        if not isinstance(dates, frozenset):
            raise TypeError(f"calendar {code!r}: {name} must be a frozenset of dates")
        # A datetime is a date subclass but never equals a date, so it would silently miss.
        if any(not isinstance(d, date) or isinstance(d, datetime) for d in dates):
            raise TypeError(f"calendar {code!r}: {name} must contain datetime.date values only")
    both = sorted(spec.holidays & spec.workdays)
    if both:
        listed = ", ".join(d.isoformat() for d in both)
        raise ValueError(f"calendar {code!r}: dates both holiday and make-up workday: {listed}")
    years = spec.holiday_years
    if years is not None and (
        not isinstance(years, frozenset) or any(type(y) is not int for y in years)
    ):
        raise TypeError(f"calendar {code!r}: holiday_years must be a frozenset of ints or None")


def _validate_day(code: str, label: str, day: object) -> None:
    """Raise if `day` is not a sorted tuple of disjoint in-range ``(start, end)`` int pairs."""
    if not isinstance(day, tuple):
        raise TypeError(f"calendar {code!r}: {label} must be a tuple of (start, end) pairs")
    previous_end = 0
    for interval in day:
        if (
            not isinstance(interval, tuple)
            or len(interval) != 2
            or any(type(x) is not int for x in interval)
        ):
            raise TypeError(f"calendar {code!r}: {label}: {interval!r} is not an (int, int) pair")
        start, end = interval
        if not 0 <= start < end <= DAY_SECONDS:
            raise ValueError(
                f"calendar {code!r}: {label}: interval {_fmt(start)}-{_fmt(end)} must satisfy "
                "00:00 <= start < end <= 24:00"
            )
        if start < previous_end:
            raise ValueError(
                f"calendar {code!r}: {label}: interval {_fmt(start)}-{_fmt(end)} overlaps or "
                "is out of order with the previous one"
            )
        previous_end = end


def _fmt(seconds: int) -> str:
    """Return seconds of the day as HH:MM[:SS] for error messages."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")
