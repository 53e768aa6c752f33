"""Daily KPI rollups: the measures of ``kpi.measures`` read from pre-aggregated sums.

Grain. ``DailyCaseRollup`` holds, per local day of report (``settings.TIME_ZONE``) and per
combination of customer, unit (asset), team, assignee, severity, case type and channel, the
additive sums every measure is derived from: cases, resolved, reopenings, complaints,
first-contact resolutions, cases whose SLA state is breached, escalations, ratings per score,
surveys sent and answered, and per SLA target the clocks, finished, on-time, breached and met
clocks and the working seconds of the met ones. Region and product are read through the
customer and the unit at query time; every slice of ``measures.SLICES`` is a path on this model
as on ``Case``. Rates and averages are computed from the sums with the formulas of
``measures``. The unit in the grain makes repeat faults per serial number summable too.

Not additive, so read directly: the median working time per target (from the clocks of the
period), and the backlog by age at "now" (a partial index of open cases serves it).

Exactness. Measures are over a *cohort* (cases reported in the period) and change whenever a
case of the cohort changes, long after its day. A period is therefore read as two parts:

- *clean* days: covered by the rollups, not today or later, and with no case changed since the
  rollups were last brought up to date: read from ``DailyCaseRollup``;
- the other days (today, days not built yet, days of cases changed since the last run): the
  same sums computed directly from the cases, clocks, ratings, surveys, escalations and visits.

"Changed" is read from the append-only logs every change of a case writes: the timeline
(``CaseEvent``), the clock history (``SlaClockEvent``), and new clocks, escalations, ratings,
surveys, visits and cases (ids above the marks in ``RollupState``). So the rollup-based numbers
equal the direct computation at any moment, not only after a run.

Maintenance. ``refresh()`` (the periodic task ``kpi_rollup_task``, every minute) rebuilds the
days of the cases changed since its previous run and builds the days closed since (up to
yesterday); ``rebuild()`` (``aftersales kpi_rollup --rebuild [--since DATE]``) builds
everything again.
"""

from __future__ import annotations

import time as timer
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.core import clock
from aftersales.kpi.measures import SLICES, Period, _rate, cohort
from aftersales.kpi.models import (
    ROLLUP_CASE_MEASURES,
    ROLLUP_MEASURES,
    ROLLUP_TARGETS,
    DailyCaseRollup,
    RollupState,
)

RESOLVED = ("resolved", "closed")
#: The grain of ``DailyCaseRollup`` (besides the day), as paths on ``Case``.
GRAIN = ("customer_id", "asset_id", "team_id", "assignee_id", "severity", "case_type", "channel")
#: The change logs read for "cases changed since": (model, path to the case id).
CHANGE_LOGS = (
    ("cases.CaseEvent", "case_id"),
    ("sla.SlaClockEvent", "clock__case_id"),
    ("sla.SlaClock", "case_id"),
    ("sla.Escalation", "case_id"),
    ("surveys.Rating", "case_id"),
    ("surveys.Survey", "case_id"),
    ("dispatch.Visit", "case_id"),
    ("cases.Case", "id"),
)
BUILD_BATCH_DAYS = 7


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    z = zone()
    return (
        datetime.combine(first, time.min).replace(tzinfo=z),
        datetime.combine(last + timedelta(days=1), time.min).replace(tzinfo=z),
    )


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Group days into (first, last) runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _reported_in(days: Iterable[date], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for first, last in _runs(days):
        start, end = _day_bounds(first, last)
        q |= Q(**{f"{prefix}reported_at__gte": start, f"{prefix}reported_at__lt": end})
    return q


# --- per-case facts ------------------------------------------------------------------------------


def case_facts(cases: QuerySet[Case], keys: tuple[str, ...]) -> Iterator[tuple[tuple, Counter]]:
    """Yield (values of ``keys``, additive facts) for each case of ``cases``.

    ``keys`` are paths on ``Case`` (``"day"``: the local day of report). This is the one
    definition of what a case adds to the rollups; the builder and the live part of a period
    both use it.
    """
    from aftersales.dispatch.models import Visit
    from aftersales.sla.models import Escalation, SlaClock
    from aftersales.surveys.models import Rating, Survey

    paths = [k for k in keys if k != "day"]
    ids = cases.values("id")
    clocks: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        SlaClock.objects.filter(case__in=ids)
        .exclude(state="cancelled")
        .values_list("case_id", "target", "met_at", "breached_at", "elapsed_seconds")
        .order_by()
    ):
        clocks[row[0]].append(row[1:])
    escalations = Counter(
        Escalation.objects.filter(case__in=ids).values_list("case_id", flat=True).order_by()
    )
    ratings = dict(Rating.objects.filter(case__in=ids).values_list("case_id", "score").order_by())
    surveys: dict[int, list[str]] = defaultdict(list)
    for case_id, status in (
        Survey.objects.filter(case__in=ids).values_list("case_id", "status").order_by()
    ):
        surveys[case_id].append(status)
    visited = set(Visit.objects.filter(case__in=ids).values_list("case_id", flat=True).order_by())
    z = zone()
    fields = ("id", "status", "reopen_count", "case_type", "sla_state", "reported_at", *paths)
    for row in cases.values_list(*fields).order_by().iterator(chunk_size=5000):
        case_id, status, reopens, case_type, sla_state, reported_at = row[:6]
        extra = dict(zip(paths, row[6:], strict=True))
        key = tuple(reported_at.astimezone(z).date() if k == "day" else extra[k] for k in keys)
        resolved = status in RESOLVED
        facts: Counter = Counter(
            cases=1,
            resolved=int(resolved),
            reopenings=reopens,
            complaints=int(case_type == "complaint"),
            first_contact_resolved=int(resolved and reopens == 0 and case_id not in visited),
            breached_cases=int(sla_state == "breached"),
            escalations=escalations.get(case_id, 0),
            surveys_sent=len(surveys.get(case_id, ())),
            surveys_answered=sum(1 for s in surveys.get(case_id, ()) if s == "answered"),
        )
        score = ratings.get(case_id)
        if score is not None:
            facts["ratings"] = 1
            facts[f"rating_{score}"] = 1
        for target, met_at, breached_at, elapsed in clocks.get(case_id, ()):
            facts[f"{target}_clocks"] += 1
            if breached_at is not None:
                facts[f"{target}_breached"] += 1
            if met_at is not None or breached_at is not None:
                facts[f"{target}_finished"] += 1
            if met_at is not None and breached_at is None:
                facts[f"{target}_on_time"] += 1
            if met_at is not None:
                facts[f"{target}_met"] += 1
                facts[f"{target}_met_seconds"] += elapsed or 0
        yield key, facts


def _aggregate(rows: Iterable[tuple[tuple, Counter]]) -> dict[tuple, Counter]:
    sums: dict[tuple, Counter] = defaultdict(Counter)
    for key, facts in rows:
        sums[key].update(facts)
    return sums


# --- building --------------------------------------------------------------------------------


def _build_days(days: list[date]) -> int:
    """Replace the rollup rows of ``days`` (within the caller's transaction); return rows."""
    written = 0
    for first, last in _runs(days):
        day = first
        while day <= last:
            batch_last = min(last, day + timedelta(days=BUILD_BATCH_DAYS - 1))
            DailyCaseRollup.objects.filter(day__gte=day, day__lte=batch_last).delete()
            start, end = _day_bounds(day, batch_last)
            cases = Case.objects.filter(reported_at__gte=start, reported_at__lt=end)
            sums = _aggregate(case_facts(cases, ("day", *GRAIN)))
            objs = []
            for key, facts in sums.items():
                fields = dict(zip(("day", *GRAIN), key, strict=True))
                objs.append(
                    DailyCaseRollup(
                        **fields, **{m: facts.get(m, 0) for m in ROLLUP_MEASURES if facts.get(m)}
                    )
                )
            DailyCaseRollup.objects.bulk_create(objs, batch_size=2000)
            written += len(objs)
            day = batch_last + timedelta(days=1)
    return written


def _max_ids() -> dict[str, int]:
    return {
        label: apps.get_model(label).objects.aggregate(m=Max("id"))["m"] or 0
        for label, _path in CHANGE_LOGS
    }


def _changed_cases(marks: dict[str, int]) -> QuerySet[Case]:
    """Cases with a change-log row above ``marks`` (all cases when ``marks`` is empty)."""
    q = Q(pk__in=[])
    for label, path in CHANGE_LOGS:
        model = apps.get_model(label)
        mark = marks.get(label)
        if mark is None:
            return Case.objects.all()
        if label == "cases.Case":
            q |= Q(pk__gt=mark)
        else:
            q |= Q(pk__in=model.objects.filter(pk__gt=mark).values(path))
    return Case.objects.filter(q)


def _local_days(cases: QuerySet[Case]) -> set[date]:
    z = zone()
    return {
        at.astimezone(z).date()
        for at in cases.values_list("reported_at", flat=True).order_by().distinct()
    }


def _state(lock: bool = False) -> RollupState:
    qs = RollupState.objects.select_for_update() if lock else RollupState.objects
    state = qs.filter(pk=1).first()
    if state is None:
        state, _created = RollupState.objects.get_or_create(
            pk=1, defaults={"zone": settings.TIME_ZONE}
        )
        if lock:
            state = RollupState.objects.select_for_update().get(pk=1)
    return state


def rebuild(*, since: date | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Build the rollups of every day (or from ``since``) up to yesterday, from scratch."""
    started = timer.monotonic()
    yesterday = (now or clock.now()).astimezone(zone()).date() - timedelta(days=1)
    with transaction.atomic():
        state = _state(lock=True)
        marks = _max_ids()
        first = Case.objects.order_by("reported_at").values_list("reported_at", flat=True).first()
        first_day = first.astimezone(zone()).date() if first else yesterday
        covered = state.covered_until is not None and state.zone == settings.TIME_ZONE
        if (
            since is not None
            and covered
            and (state.covered_from is None or state.covered_from <= since)
        ):
            # Keep the days before ``since``: they are covered already.
            DailyCaseRollup.objects.filter(day__gte=since).delete()
            start, covered_from = since, state.covered_from
        else:
            DailyCaseRollup.objects.all().delete()
            start = max(first_day, since) if since else first_day
            covered_from = since
        days = list(_days(start, yesterday))
        rows = _build_days(days)
        _save(state, covered_from, yesterday, marks, marks, len(days), started, now)
    return {"days": len(days), "rows": rows, "seconds": round(timer.monotonic() - started, 2)}


def refresh(*, now: datetime | None = None) -> dict[str, Any]:
    """Bring the rollups up to date: rebuild the days of cases changed since the previous run
    and build the days closed since then (up to yesterday). The first run builds everything."""
    started = timer.monotonic()
    yesterday = (now or clock.now()).astimezone(zone()).date() - timedelta(days=1)
    with transaction.atomic():
        state = _state(lock=True)
        if state.covered_until is None or state.zone != settings.TIME_ZONE:
            return rebuild(now=now)
        marks = _max_ids()
        days = {
            d
            for d in _local_days(_changed_cases(state.marks))
            if d <= state.covered_until and (state.covered_from is None or d >= state.covered_from)
        }
        days |= set(_days(state.covered_until + timedelta(days=1), yesterday))
        rows = _build_days(sorted(days))
        # Keep the marks of this run for the next one to read from (one run of overlap).
        _save(
            state,
            state.covered_from,
            max(yesterday, state.covered_until),
            state.last_marks or marks,
            marks,
            len(days),
            started,
            now,
        )
    return {"days": len(days), "rows": rows, "seconds": round(timer.monotonic() - started, 2)}


def _save(
    state: RollupState,
    covered_from: date | None,
    covered_until: date,
    marks: dict[str, int],
    last_marks: dict[str, int],
    days: int,
    started: float,
    now: datetime | None,
) -> None:
    state.zone = settings.TIME_ZONE
    state.covered_from = covered_from
    state.covered_until = covered_until
    state.marks = marks
    state.last_marks = last_marks
    state.last_run_at = now or clock.now()
    state.last_run_days = days
    state.last_run_seconds = round(timer.monotonic() - started, 3)
    state.save()


# --- reading ---------------------------------------------------------------------------------


def live_days(period: Period, *, now: datetime | None = None) -> set[date] | None:
    """The days of ``period`` to compute directly (None: all of them)."""
    if str(timezone.get_current_timezone()) != settings.TIME_ZONE:
        return None
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.covered_until is None or state.zone != settings.TIME_ZONE:
        return None
    today = (now or clock.now()).astimezone(zone()).date()
    until = min(state.covered_until, today - timedelta(days=1))
    live = {
        d
        for d in _days(period.first, period.last)
        if d > until or (state.covered_from is not None and d < state.covered_from)
    }
    if len(live) == (period.last - period.first).days + 1:
        return None
    start, end = period.bounds()
    changed = _changed_cases(state.marks).filter(reported_at__gte=start, reported_at__lt=end)
    live |= _local_days(changed)
    return live


def sums(
    *,
    period: Period,
    slices: dict[str, str] | None = None,
    keys: tuple[str, ...] = (),
    engineer: Any = None,
    now: datetime | None = None,
) -> dict[tuple, Counter]:
    """The rollup sums of the cohort of ``period`` and ``slices`` grouped by ``keys`` (paths on
    ``Case`` and on ``DailyCaseRollup``; ``"day"``: the local day of report). ``engineer``
    narrows the cohort to the cases assigned to that user (the scorecard's cohort)."""
    slices = {k: v for k, v in (slices or {}).items() if v}
    live = live_days(period, now=now)
    base = Case.objects.filter(assignee=engineer) if engineer is not None else None
    out: dict[tuple, Counter] = defaultdict(Counter)
    if live is None:
        direct = cohort(period=period, slices=slices, base=base)
    else:
        rows = DailyCaseRollup.objects.filter(day__gte=period.first, day__lte=period.last)
        if live:
            rows = rows.exclude(day__in=sorted(live))
        if engineer is not None:
            rows = rows.filter(assignee=engineer)
        for name, value in slices.items():
            rows = rows.filter(**{SLICES[name]: value})
        totals = {f"sum_{m}": Sum(m) for m in ROLLUP_MEASURES}
        for row in (
            rows.values(*keys).annotate(**totals).order_by() if keys else [rows.aggregate(**totals)]
        ):
            if row["sum_cases"]:
                key = tuple(row[k] for k in keys)
                out[key].update({m: row[f"sum_{m}"] for m in ROLLUP_MEASURES if row[f"sum_{m}"]})
        if not live:
            return out
        direct = cohort(period=period, slices=slices, base=base).filter(_reported_in(live))
    for key, facts in case_facts(direct, keys):
        out[key].update(facts)
    return out


def _total(groups: dict[tuple, Counter]) -> Counter:
    total: Counter = Counter()
    for facts in groups.values():
        total.update(facts)
    return total


def case_measures(t: Counter) -> dict[str, Any]:
    """``measures.case_measures`` from sums."""
    n, resolved, fcr = t["cases"], t["resolved"], t["first_contact_resolved"]
    return {
        "cases": n,
        "resolved": resolved,
        "resolution_rate": _rate(resolved, n),
        "first_contact_resolved": fcr,
        "first_contact_resolution_rate": _rate(fcr, resolved),
        "reopenings": t["reopenings"],
        "reopen_rate": _rate(t["reopenings"], resolved),
        "complaints": t["complaints"],
        "complaints_per_100_cases": round(100 * t["complaints"] / n, 2) if n else None,
    }


def _target_rows(t: Counter) -> dict[str, dict[str, Any]]:
    rows = {}
    for target in sorted(ROLLUP_TARGETS):
        if not t[f"{target}_clocks"]:
            continue
        finished, on_time, met = (t[f"{target}_{m}"] for m in ("finished", "on_time", "met"))
        rows[target] = {
            "finished": finished,
            "on_time": on_time,
            "breached": t[f"{target}_breached"],
            "compliance": _rate(on_time, finished),
            "average_seconds": round(t[f"{target}_met_seconds"] / met) if met else None,
        }
    return rows


def medians(
    *, period: Period, slices: dict[str, str] | None = None, engineer: Any = None
) -> dict[str, int | None]:
    """Median working seconds of the met clocks per target (not additive: read directly)."""
    from aftersales.sla.models import SlaClock

    base = Case.objects.filter(assignee=engineer) if engineer is not None else None
    cases = cohort(period=period, slices=slices, base=base)
    seconds: dict[str, list[int]] = defaultdict(list)
    if connection.vendor == "postgresql":
        return _pg_medians(cases)
    for target, elapsed in (
        SlaClock.objects.filter(case__in=cases, met_at__isnull=False)
        .exclude(state="cancelled")
        .values_list("target", "elapsed_seconds")
        .order_by()
    ):
        seconds[target].append(elapsed)
    return {target: round(median(values)) for target, values in seconds.items()}


def _pg_medians(cases: QuerySet[Case]) -> dict[str, int | None]:
    """The same medians computed by PostgreSQL (``percentile_cont(0.5)`` is the mean of the two
    middle values for an even count, as ``statistics.median``; both are exact in a double)."""
    from aftersales.sla.models import SlaClock

    clocks = (
        SlaClock.objects.filter(case__in=cases.values("id"), met_at__isnull=False)
        .exclude(state="cancelled")
        .values_list("target", "elapsed_seconds")
        .order_by()
    )
    query, params = clocks.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.target, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.elapsed_seconds) "  # noqa: S608 - the ORM's own SQL
            f"FROM ({query}) AS t(target, elapsed_seconds) GROUP BY t.target",
            params,
        )
        return {target: round(value) for target, value in cursor.fetchall()}


def sla_measures(
    t: Counter, *, medians_by_target: dict[str, int | None] | None = None
) -> dict[str, Any]:
    """``measures.sla_measures`` from sums (and the directly read medians)."""
    targets = {}
    for target, row in _target_rows(t).items():
        average = row.pop("average_seconds")
        targets[target] = {
            **row,
            "average_seconds": average,
            "median_seconds": (medians_by_target or {}).get(target),
        }
    return {
        "targets": targets,
        "breaches": sum(row["breached"] for row in targets.values()),
        "escalations": t["escalations"],
    }


def satisfaction_measures(t: Counter) -> dict[str, Any]:
    """``measures.satisfaction_measures`` from sums."""
    distribution = {str(s): t[f"rating_{s}"] for s in range(1, 6)}
    count = sum(distribution.values())
    total = sum(int(s) * n for s, n in distribution.items())
    return {
        "ratings": count,
        "average": round(total / count, 2) if count else None,
        "distribution": distribution,
        "surveys_sent": t["surveys_sent"],
        "survey_response_rate": _rate(t["surveys_answered"], t["surveys_sent"]),
    }


def _sort_key(key: Any) -> tuple:
    """The database's order of a nullable code: NULL last on PostgreSQL, first on SQLite (the
    collation is C, i.e. code points, as Python's)."""
    if connection.vendor == "postgresql":
        return (key is None, key or "")
    return (key is not None, key or "")


def repeat_faults(
    *, period: Period, slices: dict[str, str] | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """``measures.repeat_faults`` from the rollups (the unit is in the grain)."""
    slices = {**(slices or {})}
    if slices.get("case_type") not in (None, "", "fault"):
        return []
    slices["case_type"] = "fault"
    groups = sums(period=period, slices=slices, keys=("asset__serial_number",))
    rows = [(k[0], f["cases"]) for k, f in groups.items() if k[0] is not None and f["cases"] >= 2]
    rows.sort(key=lambda r: (-r[1], _sort_key(r[0])))
    return [{"serial_number": serial, "faults": n} for serial, n in rows[:limit]]


def _by(groups: dict[tuple, Counter], index: int) -> dict[Any, Counter]:
    out: dict[Any, Counter] = defaultdict(Counter)
    for key, facts in groups.items():
        out[key[index]].update(facts)
    return out


DASHBOARD_KEYS = ("day", "customer__region__code", "team__code", "severity")


def dashboard(
    *, period: Period, slices: dict[str, str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the supervisor dashboard shows, from one grouped read of the rollups:
    the summary, the bars by region and by team, the SLA heat map and the weekly trend (each
    equal to its ``measures`` function)."""
    groups = sums(period=period, slices=slices, keys=DASHBOARD_KEYS, now=now)
    total = _total(groups)
    summary = {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "slices": {k: v for k, v in (slices or {}).items() if v},
        **case_measures(total),
        "sla": sla_measures(total, medians_by_target=medians(period=period, slices=slices)),
        "satisfaction": satisfaction_measures(total),
        "repeat_faults": repeat_faults(period=period, slices=slices),
    }
    return {
        "summary": summary,
        "by_region": by_dimension(_by(groups, 1)),
        "by_team": by_dimension(_by(groups, 2)),
        "heat": sla_heat_map(_by(groups, 3)),
        "trend": weekly_trend(period, _by(groups, 0)),
    }


def summary(
    *, period: Period, slices: dict[str, str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """``measures.summary`` from the rollups."""
    return dashboard(period=period, slices=slices, now=now)["summary"]


def by_dimension(by_key: dict[Any, Counter], *, limit: int = 20) -> list[dict[str, Any]]:
    """``measures.by_dimension`` from sums grouped by the dimension's value."""
    rows = sorted(by_key.items(), key=lambda kv: (-kv[1]["cases"], _sort_key(kv[0])))
    return [
        {
            "key": key or "",
            "cases": f["cases"],
            "resolved": f["resolved"],
            "breached": f["breached_cases"],
        }
        for key, f in rows[:limit]
        if f["cases"]
    ]


def sla_heat_map(by_severity: dict[Any, Counter]) -> dict[str, Any]:
    """``measures.sla_heat_map`` from sums grouped by severity."""
    cells = {}
    for severity, f in by_severity.items():
        for target in ROLLUP_TARGETS:
            finished = f[f"{target}_finished"]
            if finished:
                on_time = f[f"{target}_on_time"]
                cells[(severity, target)] = (on_time, finished)
    return {
        "severities": sorted({s for s, _t in cells}),
        "targets": sorted({t for _s, t in cells}),
        "cells": {
            f"{s}|{t}": {"on_time": v[0], "finished": v[1], "compliance": _rate(v[0], v[1])}
            for (s, t), v in cells.items()
        },
    }


def weekly_trend(period: Period, by_day: dict[Any, Counter]) -> list[dict[str, Any]]:
    """``measures.weekly_trend`` from sums grouped by day."""
    first = period.first - timedelta(days=period.first.weekday())
    weeks = []
    while first <= period.last:
        last = min(first + timedelta(days=6), period.last)
        week_first = max(first, period.first)
        t: Counter = Counter()
        for day in _days(week_first, last):
            t.update(by_day.get(day, Counter()))
        counts = case_measures(t)
        response = _target_rows(t).get("response", {})
        weeks.append(
            {
                "from": week_first.isoformat(),
                "cases": counts["cases"],
                "resolution_rate": counts["resolution_rate"],
                "response_compliance": response.get("compliance"),
            }
        )
        first += timedelta(days=7)
    return weeks


def engineer_measures(*, engineer: Any, period: Period) -> dict[str, Any]:
    """The case, SLA and satisfaction measures of an engineer's scorecard cohort."""
    total = _total(sums(period=period, engineer=engineer))
    return {
        "counts": case_measures(total),
        "sla": sla_measures(total),
        "satisfaction": satisfaction_measures(total),
    }


__all__ = [
    "ROLLUP_CASE_MEASURES",
    "dashboard",
    "engineer_measures",
    "rebuild",
    "refresh",
    "summary",
]
