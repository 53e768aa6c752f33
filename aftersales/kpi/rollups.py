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

Not additive: the median working time per target is read from ``DailyMetClock`` (one row per
met clock with its working seconds, by the local day of report of its case, built with the
rollups for the same days), an index range of the period's days; the backlog by age at "now"
is read directly (a partial index of open cases serves it).

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
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import Max, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.core import clock
from aftersales.kpi.measures import SLICES, Period, _rate, cohort
from aftersales.kpi.models import (
    ROLLUP_CASE_MEASURES,
    ROLLUP_MEASURES,
    ROLLUP_TARGET_MEASURES,
    ROLLUP_TARGETS,
    DailyCaseRollup,
    DailyMetClock,
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
BUILD_BATCH_DAYS = 31
#: Per target, the names of its columns in ``ROLLUP_TARGET_MEASURES`` order.
TARGET_NAMES = {t: tuple(f"{t}_{m}" for m in ROLLUP_TARGET_MEASURES) for t in ROLLUP_TARGETS}
ID_CHUNK = 5000
# More changed cases than this since the last run: treat the whole period as live.
MAX_CHANGED = 50_000


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


def case_facts(
    cases: QuerySet[Case], keys: tuple[str, ...], *, met_clocks: list[tuple] | None = None
) -> Iterator[tuple[tuple, Counter]]:
    """Yield (values of ``keys``, additive facts) for each case of ``cases``.

    ``met_clocks``: if given, the rows of ``DailyMetClock`` of these cases are appended to it
    (``MET_CLOCK_COLUMNS``: the local day of report, the case, the target, the working seconds
    of each met clock with working time recorded).

    ``keys`` are paths on ``Case`` (``"day"``: the local day of report). This defines what a
    case adds to the rollups; on PostgreSQL the builder and the live part of a period sum the
    same facts in SQL (``_facts_sql``), and ``test_rollups`` checks that both give identical
    rows. Elsewhere (SQLite) this is what they use.
    """
    from aftersales.dispatch.models import Visit
    from aftersales.sla.models import Escalation, SlaClock
    from aftersales.surveys.models import Rating, Survey

    paths = [k for k in keys if k != "day"]
    fields = ("id", "status", "reopen_count", "case_type", "sla_state", "local_day", *paths)
    rows = list(
        cases.annotate(local_day=TruncDate("reported_at", tzinfo=zone()))
        .values_list(*fields)
        .order_by()
    )
    # The dependents by explicit ids: an index look-up per case, never a scan of the clocks.
    clocks: dict[int, list[tuple]] = defaultdict(list)
    escalations: Counter = Counter()
    ratings: dict[int, int] = {}
    surveys: dict[int, list[str]] = defaultdict(list)
    visited: set[int] = set()
    all_ids = [r[0] for r in rows]
    for i in range(0, len(all_ids), ID_CHUNK):
        ids = all_ids[i : i + ID_CHUNK]
        for row in (
            SlaClock.objects.filter(case_id__in=ids)
            .exclude(state="cancelled")
            # Whether met / breached, not the instants: no timestamps to parse.
            .annotate(
                met=DbCase(When(met_at__isnull=False, then=1), default=0),
                breached=DbCase(When(breached_at__isnull=False, then=1), default=0),
            )
            .values_list("case_id", "target", "met", "breached", "elapsed_seconds")
            .order_by()
        ):
            clocks[row[0]].append(row[1:])
        escalations.update(
            Escalation.objects.filter(case_id__in=ids).values_list("case_id", flat=True).order_by()
        )
        ratings.update(
            Rating.objects.filter(case_id__in=ids).values_list("case_id", "score").order_by()
        )
        for case_id, status in (
            Survey.objects.filter(case_id__in=ids).values_list("case_id", "status").order_by()
        ):
            surveys[case_id].append(status)
        visited.update(
            Visit.objects.filter(case_id__in=ids).values_list("case_id", flat=True).order_by()
        )
    for row in rows:
        case_id, status, reopens, case_type, sla_state, reported_at = row[:6]
        extra = dict(zip(paths, row[6:], strict=True))
        key = tuple(reported_at if k == "day" else extra[k] for k in keys)
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
        for target, met, breached, elapsed in clocks.get(case_id, ()):
            names = TARGET_NAMES[target]
            facts[names[0]] += 1
            if breached:
                facts[names[3]] += 1
            if met or breached:
                facts[names[1]] += 1
            if met and not breached:
                facts[names[2]] += 1
            if met:
                facts[names[4]] += 1
                facts[names[5]] += elapsed or 0
                if met_clocks is not None and elapsed is not None:
                    met_clocks.append((reported_at, case_id, target, elapsed))
        yield key, facts


def _aggregate(rows: Iterable[tuple[tuple, Counter]]) -> dict[tuple, Counter]:
    sums: dict[tuple, Counter] = defaultdict(Counter)
    for key, facts in rows:
        sums[key].update(facts)
    return sums


# --- building --------------------------------------------------------------------------------


def _use_sql(method: str | None) -> bool:
    if method is None:
        return connection.vendor == "postgresql"
    if method not in ("sql", "python"):
        raise ValueError(method)
    if method == "sql" and connection.vendor != "postgresql":
        raise ValueError("the set-based build needs PostgreSQL")
    return method == "sql"


def _build_days(days: list[date], *, method: str | None = None) -> int:
    """Replace the rollup rows of ``days`` (within the caller's transaction); return rows.

    ``method``: ``"sql"`` (PostgreSQL: one ``INSERT ... SELECT ... GROUP BY`` per batch of
    days), ``"python"`` (``case_facts`` per case, any database), None: SQL where available.
    Both write identical rows (``test_rollups`` compares them).
    """
    sql = _use_sql(method)
    written = 0
    for first, last in _runs(days):
        day = first
        while day <= last:
            batch_last = min(last, day + timedelta(days=BUILD_BATCH_DAYS - 1))
            DailyCaseRollup.objects.filter(day__gte=day, day__lte=batch_last).delete()
            DailyMetClock.objects.filter(day__gte=day, day__lte=batch_last).delete()
            start, end = _day_bounds(day, batch_last)
            if sql:
                written += _insert_sql(start, end)
                _insert_met_clocks_sql(start, end)
            else:
                cases = Case.objects.filter(reported_at__gte=start, reported_at__lt=end)
                met_clocks: list[tuple] = []
                sums = _aggregate(case_facts(cases, ("day", *GRAIN), met_clocks=met_clocks))
                rows = [
                    (*key, *(facts.get(m, 0) for m in ROLLUP_MEASURES))
                    for key, facts in sums.items()
                ]
                _insert(rows)
                _insert(met_clocks, model=DailyMetClock, columns=MET_CLOCK_COLUMNS)
                written += len(rows)
            day = batch_last + timedelta(days=1)
    return written


def _table(label: str) -> str:
    return connection.ops.quote_name(apps.get_model(label)._meta.db_table)


def _facts_sql(cases: QuerySet[Case], keys: tuple[str, ...]) -> tuple[str, list[Any]]:
    """The facts of ``case_facts`` summed by PostgreSQL, grouped by ``keys``: a SELECT of the
    values of ``keys`` then the sums of ``ROLLUP_MEASURES`` (each a bigint), and its params.

    The cases (their keys, the day by the same ``TruncDate``) are selected by the ORM; the
    dependents are reduced to one row per case (clocks pivoted by target, the escalation
    count), so the joins never multiply a case; a case has at most one rating and one survey
    (one-to-one), and "no visit" is an EXISTS.
    """
    paths = {"day": "local_day"}
    fields = ["id", "status", "reopen_count", "case_type", "sla_state"]
    for key in keys:
        if paths.get(key, key) not in fields:
            fields.append(paths.get(key, key))
    inner, params = (
        cases.annotate(local_day=TruncDate("reported_at", tzinfo=zone()))
        .values_list(*fields)
        .order_by()
        .query.sql_with_params()
    )
    names = [f"f{i}" for i in range(len(fields))]
    col = {field: f"c.{name}" for field, name in zip(fields, names, strict=True)}
    key_columns = [col[paths.get(key, key)] for key in keys]
    clock_columns, clock_sums = [], []
    for target in ROLLUP_TARGETS:
        clocks, finished, on_time, breached, met, met_seconds = TARGET_NAMES[target]
        is_target = f"k.target = '{target}'"
        clock_columns += [
            f"count(*) FILTER (WHERE {is_target}) AS {clocks}",
            f"count(*) FILTER (WHERE {is_target} AND (k.met_at IS NOT NULL "
            f"OR k.breached_at IS NOT NULL)) AS {finished}",
            f"count(*) FILTER (WHERE {is_target} AND k.met_at IS NOT NULL "
            f"AND k.breached_at IS NULL) AS {on_time}",
            f"count(*) FILTER (WHERE {is_target} AND k.breached_at IS NOT NULL) AS {breached}",
            f"count(*) FILTER (WHERE {is_target} AND k.met_at IS NOT NULL) AS {met}",
            f"sum(coalesce(k.elapsed_seconds, 0)) FILTER (WHERE {is_target} "
            f"AND k.met_at IS NOT NULL) AS {met_seconds}",
        ]
        clock_sums += [
            f"sum(k.{name})" for name in (clocks, finished, on_time, breached, met, met_seconds)
        ]
    resolved = f"{col['status']} IN ('resolved', 'closed')"
    visited = f"EXISTS (SELECT 1 FROM {_table('dispatch.Visit')} v WHERE v.case_id = c.f0)"  # noqa: S608
    case_sums = {
        "cases": "count(*)",
        "resolved": f"count(*) FILTER (WHERE {resolved})",
        "reopenings": f"sum({col['reopen_count']})",
        "complaints": f"count(*) FILTER (WHERE {col['case_type']} = 'complaint')",
        "first_contact_resolved": (
            f"count(*) FILTER (WHERE {resolved} AND {col['reopen_count']} = 0 AND NOT {visited})"
        ),
        "breached_cases": f"count(*) FILTER (WHERE {col['sla_state']} = 'breached')",
        "escalations": "sum(e.n)",
        "ratings": "count(r.score)",
        **{f"rating_{s}": f"count(*) FILTER (WHERE r.score = {s})" for s in range(1, 6)},
        "surveys_sent": "count(s.status)",
        "surveys_answered": "count(*) FILTER (WHERE s.status = 'answered')",
    }
    assert tuple(case_sums) == ROLLUP_CASE_MEASURES
    measures = [f"coalesce({e}, 0)::bigint" for e in (*case_sums.values(), *clock_sums)]
    group = f"GROUP BY {', '.join(key_columns)}" if key_columns else ""
    sql = f"""
        WITH c ({", ".join(names)}) AS MATERIALIZED ({inner}),
        k AS (
            SELECT k.case_id, {", ".join(clock_columns)}
            FROM {_table("sla.SlaClock")} k JOIN c ON c.f0 = k.case_id
            WHERE k.state <> 'cancelled'
            GROUP BY k.case_id
        ),
        e AS (
            SELECT e.case_id, count(*) AS n
            FROM {_table("sla.Escalation")} e JOIN c ON c.f0 = e.case_id
            GROUP BY e.case_id
        )
        SELECT {", ".join([*key_columns, *measures])}
        FROM c
        LEFT JOIN k ON k.case_id = c.f0
        LEFT JOIN e ON e.case_id = c.f0
        LEFT JOIN {_table("surveys.Rating")} r ON r.case_id = c.f0
        LEFT JOIN {_table("surveys.Survey")} s ON s.case_id = c.f0
        {group}
    """  # noqa: S608 - names from the models, the ORM's own SQL, values as parameters
    return sql, list(params)


@contextmanager
def _jit_off() -> Iterator[None]:
    """PostgreSQL's JIT off for the statements inside (restored after; a transaction).

    The planner's estimate for the grouped facts is far above ``jit_above_cost`` (a join of
    per-case reductions it cannot size), and the rollup reads sum ~50 columns over tens of
    thousands of rows at 1,000,000 cases, so PostgreSQL would compile the aggregate
    expressions first: up to seconds of compilation for queries that run in milliseconds.
    """
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit')")
            (before,) = cursor.fetchone()
            cursor.execute("SET LOCAL jit = off")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', %s, true)", [before])


@contextmanager
def _cursor_without_jit() -> Iterator[Any]:
    """A cursor with PostgreSQL's JIT off for its statements (see ``_jit_off``)."""
    with _jit_off(), connection.cursor() as cursor:
        yield cursor


def grouped_facts(cases: QuerySet[Case], keys: tuple[str, ...]) -> Iterable[tuple[tuple, Counter]]:
    """(values of ``keys``, summed facts) of ``cases``: summed by PostgreSQL there
    (``_facts_sql``), else ``case_facts`` per case. Either is what the readers add up."""
    if connection.vendor != "postgresql":
        return case_facts(cases, keys)
    sql, params = _facts_sql(cases, keys)
    n = len(keys)
    with _cursor_without_jit() as cursor:
        cursor.execute(sql, params)
        return [
            (tuple(row[:n]), Counter(dict(zip(ROLLUP_MEASURES, row[n:], strict=True))))
            for row in cursor.fetchall()
            if row[n]  # no case (an aggregate without keys over nothing)
        ]


def _insert_sql(start: datetime, end: datetime) -> int:
    """Insert the rollup rows of the cases reported in [start, end) (``_facts_sql``)."""
    q = connection.ops.quote_name
    cases = Case.objects.filter(reported_at__gte=start, reported_at__lt=end)
    select, params = _facts_sql(cases, ("day", *GRAIN))
    columns = ", ".join(q(c) for c in ROLLUP_COLUMNS)
    with _cursor_without_jit() as cursor:
        cursor.execute(
            f"INSERT INTO {q(DailyCaseRollup._meta.db_table)} ({columns}) {select}",  # noqa: S608
            params,
        )
        return cursor.rowcount


def _met_clocks(cases: QuerySet[Case]) -> QuerySet:
    """The clocks of ``cases`` that the medians are computed from: met, not cancelled, with
    their working time recorded (``percentile_cont`` ignores a missing one)."""
    from aftersales.sla.models import SlaClock

    return SlaClock.objects.filter(
        case__in=cases.values("id"), met_at__isnull=False, elapsed_seconds__isnull=False
    ).exclude(state="cancelled")


def _insert_met_clocks_sql(start: datetime, end: datetime) -> int:
    """Insert the ``DailyMetClock`` rows of the cases reported in [start, end) with one
    ``INSERT ... SELECT`` (the Python build collects the same rows in ``case_facts``)."""
    q = connection.ops.quote_name
    cases = Case.objects.filter(reported_at__gte=start, reported_at__lt=end)
    select, params = (
        _met_clocks(cases)
        .annotate(local_day=TruncDate("case__reported_at", tzinfo=zone()))
        .values_list("local_day", "case_id", "target", "elapsed_seconds")
        .order_by()
        .query.sql_with_params()
    )
    columns = ", ".join(q(c) for c in MET_CLOCK_COLUMNS)
    with _cursor_without_jit() as cursor:
        cursor.execute(
            f"INSERT INTO {q(DailyMetClock._meta.db_table)} ({columns}) {select}",  # noqa: S608
            params,
        )
        return cursor.rowcount


ROLLUP_COLUMNS = (
    "day",
    *GRAIN,
    *ROLLUP_MEASURES,
)
MET_CLOCK_COLUMNS = ("day", "case_id", "target", "seconds")


def _insert(
    rows: list[tuple], *, model: Any = DailyCaseRollup, columns: tuple[str, ...] = ROLLUP_COLUMNS
) -> None:
    """Insert rows of ``model`` (``columns``): COPY on PostgreSQL, a batched INSERT elsewhere
    (``bulk_create`` would spend most of the build preparing 50 values per row)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _max_ids() -> dict[str, int]:
    return {
        label: apps.get_model(label).objects.aggregate(m=Max("id"))["m"] or 0
        for label, _path in CHANGE_LOGS
    }


def _changed_ids(marks: dict[str, int]) -> set[int] | None:
    """Ids of the cases with a change-log row above ``marks`` (None: too many, or no marks)."""
    ids: set[int] = set()
    for label, path in CHANGE_LOGS:
        mark = marks.get(label)
        if mark is None:
            return None
        model = apps.get_model(label)
        ids.update(
            model.objects.filter(pk__gt=mark)
            .values_list(path, flat=True)
            .order_by()[: MAX_CHANGED + 1]
        )
        if len(ids) > MAX_CHANGED:
            return None
    ids.discard(None)  # type: ignore[arg-type]  # a survey of a campaign has no case
    return ids


def _changed_cases(marks: dict[str, int]) -> QuerySet[Case]:
    """Cases with a change-log row above ``marks`` (all cases when unknown or too many)."""
    ids = _changed_ids(marks)
    return Case.objects.all() if ids is None else Case.objects.filter(pk__in=sorted(ids))


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


def rebuild(
    *, since: date | None = None, now: datetime | None = None, method: str | None = None
) -> dict[str, Any]:
    """Build the rollups of every day (or from ``since``) up to yesterday, from scratch
    (``method``: see ``_build_days``)."""
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
            DailyMetClock.objects.filter(day__gte=since).delete()
            start, covered_from = since, state.covered_from
        else:
            DailyCaseRollup.objects.all().delete()
            DailyMetClock.objects.all().delete()
            start = max(first_day, since) if since else first_day
            covered_from = since
        days = list(_days(start, yesterday))
        rows = _build_days(days, method=method)
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
    ids = _changed_ids(state.marks)
    if ids is None:
        return None
    start, end = period.bounds()
    changed = Case.objects.filter(pk__in=sorted(ids), reported_at__gte=start, reported_at__lt=end)
    live |= _local_days(changed) if ids else set()
    return live


def _rollup_sums(
    *,
    period: Period,
    slices: dict[str, str],
    live: set[date],
    keys: tuple[str, ...],
    names: tuple[str, ...] = ROLLUP_MEASURES,
    engineer: Any = None,
    having: Q | None = None,
) -> dict[tuple, Counter]:
    """Sums of ``names`` of the rollup rows of the clean days, grouped by ``keys``."""
    rows = DailyCaseRollup.objects.filter(day__gte=period.first, day__lte=period.last)
    if live:
        rows = rows.exclude(day__in=sorted(live))
    if engineer is not None:
        rows = rows.filter(assignee=engineer)
    for name, value in slices.items():
        rows = rows.filter(**{SLICES[name]: value})
    totals = {f"sum_{m}": Sum(m) for m in dict.fromkeys(("cases", *names))}
    out: dict[tuple, Counter] = {}
    if not keys:
        found = [rows.aggregate(**totals)]
    else:
        grouped = rows.values(*keys).annotate(**totals).order_by()
        found = grouped.filter(having) if having is not None else grouped
    for row in found:
        if row["sum_cases"]:
            out[tuple(row[k] for k in keys)] = Counter(
                {m: row[f"sum_{m}"] for m in names if row[f"sum_{m}"]}
            )
    return out


def _live_facts(
    *,
    period: Period,
    slices: dict[str, str],
    live: set[date] | None,
    keys: tuple[str, ...],
    engineer: Any = None,
) -> list[tuple[tuple, Counter]]:
    """The facts of the cohort's cases reported on the live days (None: every day)."""
    if live is not None and not live:
        return []
    base = Case.objects.filter(assignee=engineer) if engineer is not None else None
    cases = cohort(period=period, slices=slices, base=base)
    if live is not None:
        cases = cases.filter(_reported_in(live))
    return list(grouped_facts(cases, keys))


def _group(
    facts: Iterable[tuple[tuple, Counter]], index: int | None, into: dict[Any, Counter]
) -> dict[Any, Counter]:
    """Add the facts, grouped by the key at ``index`` (None: one total), into ``into``."""
    for key, f in facts:
        k = key[index] if index is not None else ()
        if k in into:
            into[k].update(f)
        else:
            into[k] = Counter(f)
    return into


def sums(
    *,
    period: Period,
    slices: dict[str, str] | None = None,
    keys: tuple[str, ...] = (),
    engineer: Any = None,
    now: datetime | None = None,
) -> dict[tuple, Counter]:
    """The sums of the cohort of ``period`` and ``slices`` grouped by ``keys`` (paths on
    ``Case`` and on ``DailyCaseRollup``; ``"day"``: the local day of report): clean days from
    the rollups, live days directly. ``engineer`` narrows the cohort to the cases assigned to
    that user (the scorecard's cohort)."""
    slices = {k: v for k, v in (slices or {}).items() if v}
    live = live_days(period, now=now)
    out: dict[tuple, Counter] = (
        {}
        if live is None
        else _rollup_sums(period=period, slices=slices, live=live, keys=keys, engineer=engineer)
    )
    for key, f in _live_facts(
        period=period, slices=slices, live=live, keys=keys, engineer=engineer
    ):
        if key in out:
            out[key].update(f)
        else:
            out[key] = Counter(f)
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


_UNKNOWN: Any = object()


def medians(
    *,
    period: Period,
    slices: dict[str, str] | None = None,
    engineer: Any = None,
    live: set[date] | None = _UNKNOWN,
    now: datetime | None = None,
) -> dict[str, int]:
    """Median working seconds of the met clocks per target (not additive, so not summed).

    The met clocks of the clean days are read from ``DailyMetClock`` (an index range of the
    period's days; through the case only when sliced), those of the live days (``live``, as
    ``live_days``: computed when not given) from the clocks; the median is taken over both
    together, by PostgreSQL (``percentile_cont(0.5)``: the mean of the two middle values for
    an even count, as ``statistics.median``; both exact in a double) or in Python.
    """
    slices = {k: v for k, v in (slices or {}).items() if v}
    if live is _UNKNOWN:
        live = live_days(period, now=now)
    base = Case.objects.filter(assignee=engineer) if engineer is not None else None
    cases = cohort(period=period, slices=slices, base=base)
    parts: list[QuerySet] = []
    if live is None:
        parts.append(_met_clocks(cases).values_list("target", "elapsed_seconds"))
    else:
        clean = DailyMetClock.objects.filter(day__gte=period.first, day__lte=period.last)
        if live:
            clean = clean.exclude(day__in=sorted(live))
        if slices or engineer is not None:
            clean = clean.filter(case__in=cases.values("id"))
        parts.append(clean.values_list("target", "seconds"))
        if live:
            live_cases = cases.filter(_reported_in(live))
            parts.append(_met_clocks(live_cases).values_list("target", "elapsed_seconds"))
    parts = [part.order_by() for part in parts]
    if connection.vendor == "postgresql":
        return _pg_medians(parts)
    seconds: dict[str, list[int]] = defaultdict(list)
    for part in parts:
        for target, value in part:
            seconds[target].append(value)
    return {target: round(median(values)) for target, values in seconds.items()}


def _pg_medians(parts: list[QuerySet]) -> dict[str, int]:
    """The medians per target of the (target, seconds) rows of all ``parts`` together."""
    queries, params = [], []
    for part in parts:
        query, part_params = part.query.sql_with_params()
        queries.append(f"({query})")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.target, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.seconds) "  # noqa: S608 - the ORM's own SQL
            f"FROM ({' UNION ALL '.join(queries)}) AS t(target, seconds) GROUP BY t.target",
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
    *,
    period: Period,
    slices: dict[str, str] | None = None,
    limit: int = 50,
    live: set[date] | None = None,
    live_facts: list[tuple[tuple, Counter]] | None = None,
    serial_index: int = 0,
    type_index: int | None = None,
) -> list[dict[str, Any]]:
    """``measures.repeat_faults`` from the rollups (the unit is in the grain).

    The rollups give the top ``limit`` serials of the clean days (two faults or more); the
    serials with a fault on a live day are counted exactly (rollups + live). A serial with no
    live fault keeps its rollup count, so the top of the merged list is exact.
    """
    from aftersales.catalog.models import Asset

    slices = {k: v for k, v in (slices or {}).items() if v}
    if slices.get("case_type", "fault") != "fault":
        return []
    slices["case_type"] = "fault"
    serial = "asset__serial_number"
    if live_facts is None:
        live = live_days(period)
        live_facts = _live_facts(period=period, slices=slices, live=live, keys=(serial,))
    live_counts: Counter = Counter()
    for key, f in live_facts:
        if key[serial_index] is not None and (type_index is None or key[type_index] == "fault"):
            live_counts[key[serial_index]] += f["cases"]
    counts: dict[str, int] = {}
    if live is not None:
        # Grouped by the unit, not by its serial number (unique): no join with every unit;
        # the serial numbers of the few units with two faults or more are read after.
        top = _rollup_sums(
            period=period,
            slices=slices,
            live=live,
            keys=("asset_id",),
            names=("cases",),
            having=Q(sum_cases__gte=2),
        )
        serials = dict(
            Asset.objects.filter(pk__in=sorted(k[0] for k in top if k[0] is not None))
            .values_list("pk", "serial_number")
            .order_by()
        )
        ranked = sorted(
            ((serials[k[0]], f["cases"]) for k, f in top.items() if serials.get(k[0])),
            key=lambda r: (-r[1], r[0]),
        )
        counts.update(ranked[:limit])
        if live_counts:
            known = _rollup_sums(
                period=period,
                slices={**slices},
                live=live,
                keys=(serial,),
                names=("cases",),
                having=Q(asset__serial_number__in=sorted(live_counts)),
            )
            for serial_number in live_counts:
                f = known.get((serial_number,))
                counts[serial_number] = f["cases"] if f else 0
    for serial_number, n in live_counts.items():
        counts[serial_number] = counts.get(serial_number, 0) + n
    rows = sorted(((k, n) for k, n in counts.items() if n >= 2), key=lambda r: (-r[1], r[0]))
    return [{"serial_number": k, "faults": n} for k, n in rows[:limit]]


DASHBOARD_KEYS = (
    "day",
    "customer__region__code",
    "team__code",
    "severity",
    "asset__serial_number",
    "case_type",
)
BAR_MEASURES = ("cases", "resolved", "breached_cases")
HEAT_MEASURES = tuple(f"{t}_{m}" for t in ROLLUP_TARGETS for m in ("finished", "on_time"))


def dashboard(
    *, period: Period, slices: dict[str, str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the supervisor dashboard shows: the summary, the bars by region and by team,
    the SLA heat map and the weekly trend (each equal to its ``measures`` function), from a few
    grouped reads of the rollups and one direct read of the live days (JIT off: see
    ``_jit_off``)."""
    with _jit_off():
        return _dashboard(period=period, slices=slices, now=now)


def _dashboard(
    *, period: Period, slices: dict[str, str] | None, now: datetime | None
) -> dict[str, Any]:
    slices = {k: v for k, v in (slices or {}).items() if v}
    live = live_days(period, now=now)
    facts = _live_facts(period=period, slices=slices, live=live, keys=DASHBOARD_KEYS)

    def grouped(index: int, names: tuple[str, ...]) -> dict[Any, Counter]:
        into: dict[Any, Counter] = {}
        if live is not None:
            rows = _rollup_sums(
                period=period, slices=slices, live=live, keys=(DASHBOARD_KEYS[index],), names=names
            )
            into = {k[0]: f for k, f in rows.items()}
        return _group(facts, index, into)

    by_day = grouped(0, ROLLUP_MEASURES)
    total = _total(by_day)
    summary = {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "slices": slices,
        **case_measures(total),
        "sla": sla_measures(
            total, medians_by_target=medians(period=period, slices=slices, live=live)
        ),
        "satisfaction": satisfaction_measures(total),
        "repeat_faults": repeat_faults(
            period=period,
            slices=slices,
            live=live,
            live_facts=facts,
            serial_index=4,
            type_index=5,
        ),
    }
    return {
        "summary": summary,
        "by_region": by_dimension(grouped(1, BAR_MEASURES)),
        "by_team": by_dimension(grouped(2, BAR_MEASURES)),
        "heat": sla_heat_map(grouped(3, HEAT_MEASURES)),
        "trend": weekly_trend(period, by_day),
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
    with _jit_off():
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
