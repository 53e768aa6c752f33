"""Benchmark the KPI dashboard and a scorecard on 100,000 and 1,000,000 cases in PostgreSQL.

The issue asks for the supervisor dashboard in under 1 s and any scorecard in under 2 s with
1,000,000 cases, "pre-aggregated daily rollups maintained by background tasks" expected, and
rollups that agree exactly with a direct computation.

What the script does, for each size (100,000 then 1,000,000 cases, in one database of its own,
`aftersales_bench_kpi`, dropped at the end unless `--keep`):

1. Loads the cases with SQL (`INSERT ... SELECT ... FROM generate_series`, seeded `random()`):
   20 regions, 2,000 customers, 200 products, 100,000 units, 15 teams, 60 engineers; report
   times spread evenly over the last 730 days up to now; statuses by age (older cases mostly
   resolved or closed, some reopened); three SLA clocks per case (response, confirm, restore:
   met, breached, met late, running or cancelled, with working seconds); ratings, surveys,
   visits and escalations on a share of the cases.
2. Builds the rollups from scratch (`kpi.rollups.rebuild`, as `aftersales kpi_rollup
   --rebuild`: the set-based SQL build on PostgreSQL) and times it; builds one 31-day batch
   again with SQL and with the per-case Python path in the same run (time, identical rows);
   then two incremental runs with nothing changed.
3. Checks that the rollup-based dashboard data and the engineer's scorecard measures equal the
   direct computation of `kpi.measures` (this month, last month).
4. Times, interleaved over `--repeat` rounds (medians, ranges): the dashboard data read from
   the rollups and computed directly (the baseline: the code path before the rollups), the
   rendered dashboard page (`GET /kpi/` as a supervisor, everything the page shows), the
   dashboard's median working time per target from the met-clock rows (`DailyMetClock`) and
   from the clocks (the read before those rows), one engineer's scorecard (rollups and
   direct) and the scorecard page of that engineer (`GET /kpi/scorecards/`), for this month
   (today read live) and for last month.
5. Prints a Markdown report for docs/PERFORMANCE.md and writes bench/results/kpi.json.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_kpi.py [--sizes 100000,1000000] [--repeat N] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
PROJECT_BIN = Path(sys.executable).parent
RESULTS = BENCH / "results" / "kpi.json"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB = "aftersales_bench_kpi"
CREATE_DB = (
    "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
)
DAYS = 730


def log(line: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    sys.stderr.flush()


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def pg(dbname: str, *statements: str) -> list[Any]:
    import psycopg

    rows: list[Any] = []
    with psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement)  # type: ignore[arg-type]  # our literal SQL
            rows = cursor.fetchall() if cursor.description else []
    return rows


def project_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{DB}",
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DEBUG": "true",
        "SECRET_KEY": "bench",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
        "CELERY_BROKER_URL": "",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }


def create_database() -> None:
    pg("postgres", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", CREATE_DB.format(name=DB))
    result = subprocess.run(
        [str(PROJECT_BIN / "aftersales"), "migrate", "--noinput", "-v", "0"],
        env=project_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"migrate failed:\n{result.stdout}\n{result.stderr}")


def django_setup() -> None:
    os.environ.update(project_env())
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def sql(*statements: str) -> list[Any]:
    from django.db import connection

    rows: list[Any] = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
    return rows


# --- data ----------------------------------------------------------------------------------------

REFERENCE = """
INSERT INTO customers_region (created_at, updated_at, code, name)
  SELECT now(), now(), 'R' || g, '区域' || g FROM generate_series(1, 20) g;
INSERT INTO customers_customer (created_at, updated_at, code, name, industry, address, phone,
    email, notes, is_active, region_id)
  SELECT now(), now(), 'C' || lpad(g::text, 5, '0'), '客户单位' || g, '', '', '', '', '', true,
    (SELECT min(id) FROM customers_region) + g % 20
  FROM generate_series(1, 2000) g;
INSERT INTO catalog_product (created_at, updated_at, code, name, category, manufacturer,
    is_active)
  SELECT now(), now(), 'P' || g, '设备型号' || g, 'network', '', true
  FROM generate_series(1, 200) g;
INSERT INTO catalog_asset (created_at, updated_at, serial_number, purchase_date, notes,
    customer_id, product_id)
  SELECT now(), now(), 'SN' || lpad(g::text, 8, '0'), date '2024-01-01', '',
    (SELECT min(id) FROM customers_customer) + g % 2000,
    (SELECT min(id) FROM catalog_product) + g % 200
  FROM generate_series(1, 100000) g;
INSERT INTO accounts_team (created_at, updated_at, code, name, assignment)
  SELECT now(), now(), 'T' || g, '服务组' || g, 'manual' FROM generate_series(1, 15) g;
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, role, phone, language, timezone, is_service_director,
    is_available, phone_extension)
  SELECT '!', false, 'eng' || lpad(g::text, 3, '0'), '', '', '', false, true, now(), 'engineer',
    '', '', '', false, true, ''
  FROM generate_series(1, 60) g;
"""

CASES = """
SELECT setseed(0.2026);
INSERT INTO cases_case (created_at, updated_at, number, status, case_type, channel, severity,
    summary, description, reported_at, resolution, reopen_count, version, customer_id, asset_id,
    team_id, assignee_id, cause, sla_facts, sla_state, search_grams)
SELECT at, at, 'SR-B-' || g, status, case_type, channel, severity, '设备故障', '', at, '',
  CASE WHEN status IN ('resolved', 'closed') AND r3 < 0.06 THEN 1 + (r3 * 100)::int % 2 ELSE 0 END,
  1, customer, CASE WHEN case_type = 'fault' THEN asset END, team, assignee, '', '{{}}',
  CASE WHEN r3 < 0.1 THEN 'breached' WHEN status IN ('resolved', 'closed') THEN 'none'
       ELSE 'running' END, ''
FROM (
  SELECT g, at, r3, customer, asset, team, assignee, channel, severity, case_type,
    CASE WHEN age_days > 10 THEN
           CASE WHEN r2 < 0.65 THEN 'closed' WHEN r2 < 0.95 THEN 'resolved' ELSE 'in_progress' END
         ELSE (ARRAY['new', 'responded', 'diagnosing', 'in_progress', 'waiting_customer',
                     'resolved', 'closed'])[1 + (r2 * 7)::int % 7] END AS status
  FROM (
    SELECT g, now() - (random() * {days}) * interval '1 day' AS at, random() AS r2,
      random() AS r3,
      (SELECT min(id) FROM customers_customer) + (random() * 1999)::int AS customer,
      (SELECT min(id) FROM catalog_asset) + (random() * 99999)::int AS asset,
      CASE WHEN random() < 0.9 THEN (SELECT min(id) FROM accounts_team) + (random() * 14)::int END
        AS team,
      CASE WHEN random() < 0.9 THEN (SELECT min(id) FROM accounts_user WHERE role = 'engineer')
        + (random() * 59)::int END AS assignee,
      (ARRAY['phone', 'phone', 'email', 'web', 'api', 'chat'])[1 + (random() * 5)::int] AS channel,
      (ARRAY['C-1', 'C-2', 'C-2', 'C-3', 'C-3'])[1 + (random() * 4)::int] AS severity,
      (ARRAY['fault', 'fault', 'fault', 'fault', 'fault', 'fault', 'consultation',
             'remote_support', 'maintenance', 'complaint'])[1 + (random() * 9)::int] AS case_type
    FROM generate_series(1, {n}) g
  ) s, LATERAL (SELECT extract(epoch FROM now() - s.at) / 86400 AS age_days) a
) c;
"""

DEPENDENTS = """
SELECT setseed(0.42);
INSERT INTO sla_slaclock (target, duration_seconds, warning_percent, started_at, state, is_paused,
    escalation_level, calendar_id, case_id, policy_id, met_at, breached_at, elapsed_seconds,
    cancelled_at)
SELECT target, 7200, 75, c.reported_at, state, false, 0,
  (SELECT min(id) FROM calendars_businesscalendar), c.id, (SELECT min(id) FROM sla_slapolicy),
  CASE WHEN state = 'met' THEN c.reported_at + interval '1 hour' END,
  CASE WHEN state = 'breached' OR (state = 'met' AND r < 0.12) THEN c.reported_at
       + interval '3 hours' END,
  CASE WHEN state = 'met' THEN 60 + (r * 1000003)::int % 28800 END,
  CASE WHEN state = 'cancelled' THEN c.reported_at END
FROM cases_case c
CROSS JOIN (VALUES ('response'), ('confirm'), ('restore')) t(target)
-- r refers to the clock's row so that it is drawn for each clock (an uncorrelated LATERAL
-- subquery is evaluated once: every clock would get the same state and working time).
CROSS JOIN LATERAL (SELECT random() + 0 * c.id + 0 * length(t.target) AS r) x
CROSS JOIN LATERAL (SELECT CASE
  WHEN r < 0.02 THEN 'cancelled'
  WHEN c.status NOT IN ('resolved', 'closed') AND r < 0.4 THEN 'running'
  WHEN r < 0.10 THEN 'breached'
  ELSE 'met' END AS state) s;
INSERT INTO surveys_rating (score, comment, created_at, case_id)
  SELECT 1 + (random() * 4)::int, '', reported_at, id FROM cases_case
  WHERE status IN ('resolved', 'closed') AND random() < 0.3;
INSERT INTO surveys_survey (token, email, status, sent_at, expires_at, comment, customer_id,
    questionnaire_id, case_id)
  SELECT md5(id::text), '', CASE WHEN random() < 0.5 THEN 'answered' ELSE 'expired' END,
    reported_at, reported_at + interval '7 days', '', customer_id,
    (SELECT min(id) FROM surveys_questionnaire), id
  FROM cases_case WHERE status IN ('resolved', 'closed') AND random() < 0.4;
INSERT INTO dispatch_visit (kind, status, planned_at, work_performed, created_at, case_id,
    created_by_id, engineer_id, customer_feedback)
  SELECT 'onsite', 'done', reported_at, '', reported_at, id, assignee_id, assignee_id, ''
  FROM cases_case WHERE assignee_id IS NOT NULL AND random() < 0.3;
INSERT INTO sla_escalation (level, reason, at, recipients, case_id)
  SELECT 1, '', reported_at, '[]', id FROM cases_case WHERE random() < 0.05;
"""

CLEAR = (
    "TRUNCATE kpi_dailycaserollup, kpi_rollupstate, sla_escalation, dispatch_visit, "
    "surveys_survey, surveys_rating, sla_slaclock, cases_case CASCADE"
)


def load(n: int) -> float:
    started = time.monotonic()
    sql(CLEAR)
    if not sql("SELECT count(*) FROM customers_region WHERE code = 'R1'")[0][0]:
        sql(REFERENCE)
    sql(CASES.format(n=n, days=DAYS))
    sql(DEPENDENTS)
    from django.db import connection

    connection.cursor().execute("ANALYZE")
    return time.monotonic() - started


# --- measuring -----------------------------------------------------------------------------------


def direct_dashboard(period: Any, slices: dict[str, str]) -> dict[str, Any]:
    from aftersales.kpi import measures

    cases = measures.cohort(period=period, slices=slices)
    return {
        "summary": measures.summary(period=period, slices=slices),
        "by_region": measures.by_dimension(cases, "region"),
        "by_team": measures.by_dimension(cases, "team"),
        "heat": measures.sla_heat_map(cases),
        "trend": measures.weekly_trend(period=period, slices=slices),
    }


def direct_engineer(engineer: Any, period: Any) -> dict[str, Any]:
    from aftersales.cases.models import Case
    from aftersales.kpi import measures

    cases = measures.cohort(period=period, base=Case.objects.filter(assignee=engineer))
    sla = measures.sla_measures(cases)
    for row in sla["targets"].values():
        row["median_seconds"] = None
    return {
        "counts": measures.case_measures(cases),
        "sla": sla,
        "satisfaction": measures.satisfaction_measures(cases),
    }


def compare_builds() -> dict[str, Any]:
    """Build the 31 days ending 40 days ago with SQL and with the per-case Python path (the
    build before the set-based one) in the same run; check that the rows are identical."""
    from collections import Counter

    from django.db import transaction

    from aftersales.core import clock
    from aftersales.kpi import rollups
    from aftersales.kpi.models import DailyCaseRollup, DailyMetClock

    last = clock.today() - timedelta(days=40)
    days = [last - timedelta(days=i) for i in range(rollups.BUILD_BATCH_DAYS)]
    result: dict[str, Any] = {"days": [days[-1].isoformat(), days[0].isoformat()]}
    rows, met = {}, {}
    for method in ("sql", "python", "sql"):
        started = time.perf_counter()
        with transaction.atomic():
            written = rollups._build_days(days, method=method)
        result[f"{method}_s"] = round(time.perf_counter() - started, 2)
        result["rows"] = written
        rows[method] = Counter(
            DailyCaseRollup.objects.filter(day__gte=days[-1], day__lte=days[0]).values_list(
                *rollups.ROLLUP_COLUMNS
            )
        )
        met[method] = Counter(
            DailyMetClock.objects.filter(day__gte=days[-1], day__lte=days[0]).values_list(
                *rollups.MET_CLOCK_COLUMNS
            )
        )
    result["met_clock_rows"] = sum(met["sql"].values())
    result["cases"] = sum(r[rollups.ROLLUP_COLUMNS.index("cases")] for r in rows["sql"].elements())
    result["identical"] = rows["sql"] == rows["python"] and met["sql"] == met["python"]
    return result


def profile_dashboard(period: Any) -> list[dict[str, Any]]:
    """The SQL statements of one rollup-based dashboard read with their times (DEBUG query
    log), slowest first, and the Python share of the total."""
    from django.db import connection, reset_queries

    from aftersales.kpi import rollups

    rollups.dashboard(period=period, slices={})  # warm
    reset_queries()
    started = time.perf_counter()
    rollups.dashboard(period=period, slices={})
    total_ms = (time.perf_counter() - started) * 1000
    queries = [
        {"ms": round(float(q["time"]) * 1000, 1), "sql": " ".join(q["sql"].split())[:160]}
        for q in connection.queries
    ]
    sql_ms = sum(q["ms"] for q in queries)
    queries.sort(key=lambda q: -q["ms"])
    summary = {"total_ms": round(total_ms), "sql_ms": round(sql_ms), "statements": len(queries)}
    return [summary, *queries[:8]]


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def measure_size(n: int, repeat: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from aftersales.core import clock
    from aftersales.kpi import measures, rollups

    log(f"loading {n:,} cases")
    load_s = load(n)
    counts = sql(
        "SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM sla_slaclock), "
        "(SELECT count(*) FROM surveys_rating), (SELECT count(*) FROM dispatch_visit)"
    )[0]
    log(f"loaded in {load_s:.0f} s: cases, clocks, ratings, visits = {counts}")
    build = rollups.rebuild()  # the set-based SQL build on PostgreSQL
    rows = sql("SELECT count(*) FROM kpi_dailycaserollup")[0][0]
    met_rows = sql("SELECT count(*) FROM kpi_dailymetclock")[0][0]
    sql("ANALYZE kpi_dailycaserollup", "ANALYZE kpi_dailymetclock")
    log(f"rollups built: {build}")
    build_compare = compare_builds()
    log(f"one 31-day batch, SQL vs per-case Python build: {build_compare}")
    started = time.monotonic()
    rollups.refresh()
    rollups.refresh()
    refresh_s = time.monotonic() - started

    today = clock.today()
    this_month = measures.Period(today.replace(day=1), today)
    last_last = today.replace(day=1) - timedelta(days=1)
    last_month = measures.Period(last_last.replace(day=1), last_last)
    User = get_user_model()  # noqa: N806
    engineer = User.objects.filter(role="engineer").order_by("username").first()
    supervisor, _ = User.objects.get_or_create(
        username="bench_supervisor", defaults={"role": "supervisor"}
    )
    page = Client()
    page.force_login(supervisor)
    own = Client()
    own.force_login(engineer)

    checks = {}
    for name, period in (("this_month", this_month), ("last_month", last_month)):
        same = rollups.dashboard(period=period, slices={}) == direct_dashboard(period, {})
        same_eng = rollups.engineer_measures(engineer=engineer, period=period) == direct_engineer(
            engineer, period
        )
        region = {"region": "R3"}
        same_region = rollups.dashboard(period=period, slices=region) == direct_dashboard(
            period, region
        )
        checks[name] = {"dashboard": same, "scorecard": same_eng, "region_R3": same_region}
    log(f"equal to the direct computation: {checks}")

    def dash_page(period: Any) -> None:
        r = page.get("/kpi/", {"from": period.first.isoformat(), "to": period.last.isoformat()})
        assert r.status_code == 200, r.status_code

    def card_page(period: Any) -> None:
        r = own.get(
            "/kpi/scorecards/", {"from": period.first.isoformat(), "to": period.last.isoformat()}
        )
        assert r.status_code == 200
        assert engineer.username.encode() in r.content

    profile = profile_dashboard(last_month)
    log(f"dashboard (last month) statements, slowest first: {profile[:4]}")

    configs = {}
    for label, period in (("this month", this_month), ("last month", last_month)):
        configs[f"dashboard data, rollups ({label})"] = lambda p=period: rollups.dashboard(
            period=p, slices={}
        )
        configs[f"dashboard data, direct ({label})"] = lambda p=period: direct_dashboard(p, {})
        configs[f"dashboard page GET /kpi/ ({label})"] = lambda p=period: dash_page(p)
        # The one non-additive read of the dashboard, before (percentile over the clocks of
        # the period's cases) and now (over the met-clock rows of the period's days).
        configs[f"medians per target, met-clock rows ({label})"] = lambda p=period: rollups.medians(
            period=p
        )
        configs[f"medians per target, from the clocks ({label})"] = lambda p=period: (
            rollups.medians(period=p, live=None)
        )
        configs[f"scorecard, rollups ({label})"] = lambda p=period: __import__(
            "aftersales.kpi.scorecards", fromlist=["scorecard"]
        ).scorecard(engineer=engineer, period=p)
        configs[f"scorecard measures, direct ({label})"] = lambda p=period: direct_engineer(
            engineer, p
        )
        configs[f"scorecard page GET /kpi/scorecards/ ({label})"] = lambda p=period: card_page(p)
    configs["backlog by age (direct, now)"] = lambda: measures.backlog(now=clock.now())
    for fn in configs.values():  # warm-up
        fn()
    samples: dict[str, list[float]] = {name: [] for name in configs}
    names = list(configs)
    for round_no in range(repeat):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(timed(configs[name]))
        log(f"round {round_no + 1}/{repeat}")
    return {
        "cases": n,
        "rows": {
            "cases": counts[0],
            "clocks": counts[1],
            "ratings": counts[2],
            "visits": counts[3],
        },
        "load_s": round(load_s, 1),
        "rollup_rows": rows,
        "met_clock_rows": met_rows,
        "rebuild": build,
        "build_compare": build_compare,
        "dashboard_profile_last_month": profile,
        "refresh_two_runs_s": round(refresh_s, 2),
        "periods": {
            "this_month": [this_month.first.isoformat(), this_month.last.isoformat()],
            "last_month": [last_month.first.isoformat(), last_month.last.isoformat()],
        },
        "equal": checks,
        "timings": {
            name: {
                "median_ms": round(statistics.median(v), 1),
                "min_ms": round(min(v), 1),
                "max_ms": round(max(v), 1),
            }
            for name, v in samples.items()
        },
    }


def machine() -> dict[str, Any]:
    from importlib import metadata

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": metadata.version("Django"),
        "postgresql": pg("postgres", "SHOW server_version")[0][0],
        "shared_buffers": pg("postgres", "SHOW shared_buffers")[0][0],
        "load_avg": os.getloadavg(),
    }


def print_report(report: dict[str, Any]) -> None:
    m = report["machine"]
    out(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python ")
    out(
        f"{m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']} "
        f"(shared_buffers {m['shared_buffers']}); load average at the end {m['load_avg']}."
    )
    out()
    sizes = report["sizes"]
    out(
        "| measured (median of "
        + str(report["repeat"])
        + ", range) | "
        + " | ".join(f"{s['cases']:,} cases" for s in sizes)
        + " |"
    )
    out("|---|" + "---:|" * len(sizes))
    for name in sizes[0]["timings"]:
        cells = []
        for s in sizes:
            t = s["timings"][name]
            cells.append(f"{t['median_ms']:,.0f} ms ({t['min_ms']:,.0f}–{t['max_ms']:,.0f})")
        out(f"| {name} | " + " | ".join(cells) + " |")
    out()
    for s in sizes:
        b = s["rebuild"]
        out(
            f"- {s['cases']:,} cases ({s['rows']['clocks']:,} clocks, {s['rows']['ratings']:,} "
            f"ratings, {s['rows']['visits']:,} visits; loaded in {s['load_s']:.0f} s): rollup "
            f"rebuild {b['seconds']:.0f} s for {b['days']} days, {s['rollup_rows']:,} rows "
            f"and {s['met_clock_rows']:,} met-clock rows (the medians); two "
            f"incremental runs with nothing changed {s['refresh_two_runs_s']:.2f} s; equal to "
            f"the direct computation: {s['equal']}."
        )
        c = s["build_compare"]
        out(
            f"  One 31-day batch ({c['days'][0]} to {c['days'][1]}, {c['cases']:,} cases, "
            f"{c['rows']:,} rows, {c['met_clock_rows']:,} met-clock rows): SQL build "
            f"{c['sql_s']:.2f} s, per-case Python build "
            f"{c['python_s']:.2f} s; identical rows: {c['identical']}."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20,000 cases, 2 rounds")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    sizes = [20_000] if args.quick else [int(x) for x in args.sizes.split(",")]
    repeat = 2 if args.quick else args.repeat
    started = time.time()
    log(f"creating {DB} and migrating")
    create_database()
    try:
        django_setup()
        results = []
        for n in sizes:
            results.append(measure_size(n, repeat))
            # Each size's results as soon as they are in (a long 1M run may be cut short).
            partial = {"machine": machine(), "repeat": repeat, "sizes": results}
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(partial, indent=2, ensure_ascii=False, default=str))
            print_report(partial)
        report = {
            "benchmark": "kpi",
            "machine": machine(),
            "repeat": repeat,
            "sizes": results,
            "duration_s": round(time.time() - started, 1),
            "date": date.today().isoformat(),
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        print_report(report)
        log(f"done in {report['duration_s']} s; results in {RESULTS}")
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if not args.keep:
            with contextlib.suppress(Exception):
                pg("postgres", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
