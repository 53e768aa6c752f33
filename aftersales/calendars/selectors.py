"""Reads of business calendars, and the compiled specs the engine computes on.

A spec is cached per process and keyed on the calendar's ``revision``, a fresh token on every
change (so not even a rolled-back change can be served); checking it costs one small query,
loading a changed calendar one more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from aftersales.calendars.choices import CalendarDayKind
from aftersales.calendars.engine import CalendarSpec, add_working_time, working_time_between
from aftersales.calendars.engine import years_without_data as _years_without_data
from aftersales.calendars.models import BusinessCalendar, CalendarDay, WeeklyHours

_cache: dict[str, tuple[tuple[int, object], CalendarSpec]] = {}
_cache_lock = threading.Lock()


def calendar_list() -> QuerySet[BusinessCalendar]:
    """Return calendars with their hours, days and data years prefetched."""
    return BusinessCalendar.objects.prefetch_related(
        Prefetch("weekly", queryset=WeeklyHours.objects.order_by("weekday", "start_minute")),
        Prefetch("days", queryset=CalendarDay.objects.order_by("date")),
        "data_years",
    )


def _build_spec(calendar: BusinessCalendar) -> CalendarSpec:
    weekly: dict[int, list[tuple[int, int]]] = {}
    for row in WeeklyHours.objects.filter(calendar=calendar).order_by("weekday", "start_minute"):
        weekly.setdefault(row.weekday, []).append((row.start_minute * 60, row.end_minute * 60))
    days = CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind")
    holidays = [d for d, kind in days if kind == CalendarDayKind.HOLIDAY]
    workdays = [d for d, kind in days if kind == CalendarDayKind.WORKDAY]
    years = None
    if calendar.observes_holidays:
        years = list(calendar.data_years.values_list("year", flat=True))
    else:
        holidays, workdays = [], []
    return CalendarSpec.build(
        calendar.code,
        calendar.timezone,
        weekly,
        holidays=holidays,
        workdays=workdays,
        holiday_years=years,
    )


def calendar_spec(calendar: BusinessCalendar | str) -> CalendarSpec:
    """Return the engine spec of ``calendar`` (an instance or a code), from the cache if current.

    Raises BusinessCalendar.DoesNotExist for an unknown code.
    """
    if isinstance(calendar, str):
        row = BusinessCalendar.objects.filter(code=calendar).values_list("id", "revision").first()
        if row is None:
            raise BusinessCalendar.DoesNotExist(calendar)
        key: tuple[int, object] = (row[0], row[1])
        code = calendar
    else:
        key = (calendar.pk, calendar.revision)
        code = calendar.code
    cached = _cache.get(code)
    if cached is not None and cached[0] == key:
        return cached[1]
    instance = (
        calendar if not isinstance(calendar, str) else BusinessCalendar.objects.get(pk=key[0])
    )
    spec = _build_spec(instance)
    with _cache_lock:
        _cache[code] = (key, spec)
    return spec


def forget_cached_spec(code: str) -> None:
    """Drop ``code``'s cached spec (services call this after a change)."""
    with _cache_lock:
        _cache.pop(code, None)


@dataclass(frozen=True)
class DueAnswer:
    due_at: datetime
    warnings: list[str]


def missing_data_warnings(spec: CalendarSpec, start: datetime, end: datetime) -> list[str]:
    """Return one warning per year in ``[start, end]`` that has no holiday data."""
    return [
        _(
            "Calendar %(code)s has no holiday data for %(year)d; that year was counted as "
            "ordinary weeks."
        )
        % {"code": spec.code, "year": year}
        for year in _years_without_data(spec, start, end)
    ]


def calendar_due(calendar: BusinessCalendar | str, *, start: datetime, seconds: int) -> DueAnswer:
    """Return the instant at which ``seconds`` of working time have elapsed from ``start``."""
    spec = calendar_spec(calendar)
    due = add_working_time(spec, start, seconds)
    return DueAnswer(due_at=due, warnings=missing_data_warnings(spec, start, due))


# The longest span `calendar_elapsed` measures: the same horizon as the engine's deadlines.
MAX_ELAPSED_SPAN = timedelta(days=50 * 366)


def calendar_elapsed(
    calendar: BusinessCalendar | str, *, start: datetime, end: datetime
) -> tuple[int, list[str]]:
    """Return the working seconds between two instants and the missing-data warnings."""
    if end - start > MAX_ELAPSED_SPAN:
        raise ValueError(_("The span is longer than 50 years."))
    spec = calendar_spec(calendar)
    seconds = working_time_between(spec, start, end)
    # The end is exclusive: a span ending at midnight on New Year's Day counts nothing after it.
    last = max(start, end - timedelta(seconds=1))
    return seconds, missing_data_warnings(spec, start, last)


def calendars_missing_holiday_data(*, years_ahead: int = 1) -> list[dict[str, object]]:
    """Return ``[{"code", "name", "years"}]`` for holiday-observing calendars without holiday data
    for the current year or the next ``years_ahead`` years (shown to administrators)."""
    from aftersales.core import clock

    this_year = clock.today().year
    wanted = set(range(this_year, this_year + years_ahead + 1))
    notices = []
    for calendar in BusinessCalendar.objects.filter(observes_holidays=True).prefetch_related(
        "data_years"
    ):
        missing = sorted(wanted - {y.year for y in calendar.data_years.all()})
        if missing:
            notices.append({"code": calendar.code, "name": calendar.name, "years": missing})
    return notices
