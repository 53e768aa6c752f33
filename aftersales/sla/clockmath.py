"""Pure arithmetic of a clock that pauses: working time used, and when a budget runs out.

A clock counts working time on its calendar from ``start``, except during the case's pauses
(closed intervals ``(start, end)``, at most one still open with ``end=None``). No ORM here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aftersales.calendars.engine import CalendarSpec, add_working_time, working_time_between

Pause = tuple[datetime, datetime | None]


def active_segments(
    start: datetime, pauses: Sequence[Pause], until: datetime
) -> list[tuple[datetime, datetime | None]]:
    """Return the intervals from ``start`` in which the clock ran, up to ``until``.

    The last segment is open (``None``) when the clock is running at ``until``; an open pause
    ends the list.
    """
    segments: list[tuple[datetime, datetime | None]] = []
    cursor: datetime | None = start
    for pause_start, pause_end in sorted(pauses, key=lambda p: p[0]):
        if cursor is None:
            break
        if pause_end is not None and pause_end <= cursor:
            continue  # ended before the clock (or the cursor) started
        if pause_start > cursor:
            segments.append((cursor, pause_start))
        cursor = None if pause_end is None else max(cursor, pause_end)
    if cursor is not None and cursor <= until:
        segments.append((cursor, None))
    return segments


def consumed(spec: CalendarSpec, start: datetime, pauses: Sequence[Pause], until: datetime) -> int:
    """Return the working seconds the clock has used between ``start`` and ``until``."""
    if not pauses:  # what the segments below come to for a clock that never paused
        return working_time_between(spec, start, until)
    total = 0
    for seg_start, seg_end in active_segments(start, pauses, until):
        if seg_start >= until:
            break
        end = until if seg_end is None else min(seg_end, until)
        total += working_time_between(spec, seg_start, end)
    return total


def instant_when(
    spec: CalendarSpec, start: datetime, pauses: Sequence[Pause], amount: int, *, now: datetime
) -> datetime:
    """Return the instant at which the clock will have used ``amount`` working seconds.

    An open pause is taken to end at ``now`` (the due time "if work resumed now"), so the answer
    moves out while a pause lasts.
    """
    if not pauses:  # what the segments below come to for a clock that never paused
        return add_working_time(spec, start, amount)
    closed = [(s, e if e is not None else max(now, s)) for s, e in pauses]
    remaining = amount
    segments = active_segments(start, closed, now)
    for seg_start, seg_end in segments:
        if seg_end is None:
            return add_working_time(spec, seg_start, remaining)
        work = working_time_between(spec, seg_start, seg_end)
        if work >= remaining:
            return add_working_time(spec, seg_start, remaining)
        remaining -= work
    # Every segment closed before the budget ran out: the clock resumes after the last pause.
    resume = max((e for _s, e in closed), default=start)
    return add_working_time(spec, max(resume, start), remaining)
