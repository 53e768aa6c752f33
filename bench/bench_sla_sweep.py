"""Benchmark the SLA sweep (`aftersales.sla.services.sla_sweep`) on a large PostgreSQL backlog.

The issue asks for "the sweep with 1,000,000 open cases in PostgreSQL of which 100 are due
(target: under 200 ms a sweep)", and for a sweep whose cost grows with the number of clocks that
are due, not with the number of open cases (an indexed next-event time).

What the script does, in one run:

1. Creates two fresh databases (`aftersales_bench_sweep` with N open cases, and
   `aftersales_bench_sweep_small` with N/10 for the baseline) and runs the project's migrations
   against each (they seed the calendars, the SLA policies and the escalation ladders).
2. Loads the backlog with SQL (`INSERT ... SELECT ... FROM generate_series`), not an ORM loop.
   Every case gets the clocks the real code gives it: its policy is chosen by
   `sla.services.policy_decide`, its targets by `targets_for`, and every clock row is computed
   in Python with the product's own `_refresh` and `clockmath`, replaying the sweeps that would
   already have run (warnings, breaches and escalation rungs up to "now"), so that no clock of
   the backlog is due: its `next_event_at` lies in the future, or is empty when the clock is met,
   paused or past its last rung. These rows are computed once per (policy, target, severity,
   state, report instant) on a 5-minute grid of report times over the last `--window-hours` and
   copied to the cases by a join. Then `--due-high` (default 1,000) cases spread evenly over the
   table are turned into cases with one clock each that falls due in the last minutes before
   "now": confirm-target breaches (breach + escalation level 1), level-2 escalations, restore
   breaches, and response, confirm and on-site warnings. A sweep at `now_k` (the k-th due
   instant) finds exactly k due clocks; `now_0` finds none. The backlog has no timelines (case
   and clock events): the sweep never reads them, it only appends.
3. Times `sla_sweep(now=now_k)` - with real commits, as the periodic task runs it - and restores
   the swept clocks (an UPDATE from a snapshot, and DELETEs of the events, escalations and
   notifications it wrote) between repetitions, so every repetition sweeps the same clocks.
   Configurations are interleaved in rotated order over `--repeat` rounds, so machine noise hits
   them alike; the report gives medians, ranges and ratios of paired rounds.
4. After one warm-up sweep of each configuration (a worker sweeps every minute; the first sweep
   of a process also compiles the calendars), checks one sweep of each against what the data
   implies (clocks, warnings, breaches, escalations, notifications, and the rows written),
   counts its SQL statements (CaptureQueriesContext) and shows `EXPLAIN (ANALYZE, BUFFERS)` of
   the sweep's candidate query, taken before any sweep has moved a row.
5. Prints a Markdown report for docs/PERFORMANCE.md, writes bench/results/sla_sweep.json and
   drops the databases (unless `--keep`).

Options: `--profile` writes cProfile's view of one sweep to bench/results/sla_sweep_profile.txt;
`--churn N` also times the due sweep with N dead entries below "now" in the next-event index (as
N clock updates since the last vacuum leave there), then after a VACUUM; `--rev REV` measures a
git revision (exported with git archive) instead of the working tree; `--keep` / `--reuse` keep
the loaded databases and use them again.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_sla_sweep.py [--cases N] [--due N] [--due-high N] [--repeat N]
        [--quick] [--keep] [--reuse] [--profile] [--churn N] [--rev REV]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import logging
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
PROJECT_BIN = Path(sys.executable).parent
RESULTS = BENCH / "results" / "sla_sweep.json"
PROFILE_OUT = BENCH / "results" / "sla_sweep_profile.txt"

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BIG_DB = "aftersales_bench_sweep"
SMALL_DB = "aftersales_bench_sweep_small"
CREATE_DB = (
    "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
)

TZ = ZoneInfo("Asia/Shanghai")
# "Now" of the benchmark: a fixed instant inside the 7x8 calendar's working hours (09-17 every
# day), so that confirm-target (7x8) events can fall due in the minutes before it.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)
GRID_MINUTES = 5  # report times of the backlog lie on this grid
SLOTS = 10_000  # resolution of the profile weights

TYPES = [  # case type, weight (fault cases get the fault policies, the rest the default one)
    ("fault", 0.60),
    ("consultation", 0.12),
    ("remote_support", 0.12),
    ("maintenance", 0.10),
    ("installation", 0.06),
]
SEVERITIES = [("C-1", 0.10), ("C-2", 0.35), ("C-3", 0.55)]
CONTRACTS = [("7x24", 0.30), ("5x8", 0.50), ("", 0.20)]
STATUSES = [  # the open statuses
    ("new", 0.12),
    ("responded", 0.15),
    ("diagnosing", 0.15),
    ("dispatched", 0.10),
    ("in_progress", 0.23),
    ("waiting_customer", 0.10),
    ("waiting_parts", 0.15),
]
CHANNELS = ["phone", "email", "web", "api", "chat", "phone", "phone", "email", "walk_in", "sms"]
SUMMARIES = [
    "核心交换机端口频繁掉线",
    "存储阵列控制器告警",
    "服务器电源模块故障",
    "UPS 电池需要更换",
    "防火墙策略咨询",
    "数据库备份任务失败",
    "无线 AP 无法上线",
    "打印机卡纸并报错",
]
DESCRIPTION = (
    "客户报告设备自昨晚起工作异常，已做初步排查：检查线缆与电源，查看设备日志，未见明确告警。"
    "请安排工程师远程诊断，必要时上门处理并更换备件。"
)

# What the running clocks of a case in each status do (the others are met or paused):
#   running: counting; met: met part-way (see MET_AT); paused: stopped by the open pause.
RUNNING, MET, PAUSED = "running", "met", "paused"
MODES: dict[str, dict[str, str]] = {
    "new": {"response": RUNNING, "confirm": RUNNING, "onsite": RUNNING, "restore": RUNNING},
    "responded": {"response": MET, "confirm": RUNNING, "onsite": RUNNING, "restore": RUNNING},
    "diagnosing": {"response": MET, "confirm": RUNNING, "onsite": RUNNING, "restore": RUNNING},
    "dispatched": {"response": MET, "confirm": MET, "onsite": RUNNING, "restore": RUNNING},
    "in_progress": {"response": MET, "confirm": MET, "onsite": MET, "restore": RUNNING},
    "waiting_parts": {"response": MET, "confirm": MET, "onsite": MET, "restore": RUNNING},
    "waiting_customer": {"response": MET, "confirm": PAUSED, "onsite": PAUSED, "restore": PAUSED},
}
# When a met target was met, as a fraction of the case's age (response: 20 min at most).
MET_AT = {"confirm": 0.5, "onsite": 0.6}
PAUSE_AT = 0.7

# The due clocks, cycled in this order: (name, case type, contract, severity, status, target,
# threshold, expected warnings, breaches, escalations, notifications). Recipients: every due case
# has an assignee; the region has a supervisor; there are two service directors. A breach tells
# the assignee and the supervisor; rung 1 (at the breach) the same two; rung 2 the supervisor
# and the directors; a warning the assignee.
DUE_KINDS = [
    ("confirm breach + L1", "fault", "", "C-1", "responded", "confirm", "due", 0, 1, 1, 4),
    ("confirm warning", "fault", "5x8", "C-2", "diagnosing", "confirm", "warn", 1, 0, 0, 1),
    ("response warning", "consultation", "", "C-3", "new", "response", "warn", 1, 0, 0, 1),
    ("confirm breach + L1", "fault", "5x8", "C-2", "diagnosing", "confirm", "due", 0, 1, 1, 4),
    ("restore breach", "fault", "7x24", "C-2", "in_progress", "restore", "due", 0, 1, 0, 2),
    ("confirm warning", "fault", "", "C-3", "responded", "confirm", "warn", 1, 0, 0, 1),
    ("confirm breach + L1", "fault", "", "C-3", "responded", "confirm", "due", 0, 1, 1, 4),
    ("response warning", "remote_support", "5x8", "C-2", "new", "response", "warn", 1, 0, 0, 1),
    ("confirm L2 escalation", "fault", "", "C-1", "diagnosing", "confirm", "L2", 0, 0, 1, 3),
    ("on-site warning", "fault", "7x24", "C-1", "dispatched", "onsite", "warn", 1, 0, 0, 1),
]

CLOCK_COLUMNS = [
    "target",
    "policy_id",
    "calendar_id",
    "duration_seconds",
    "warning_percent",
    "started_at",
    "due_at",
    "warn_at",
    "next_event_at",
    "state",
    "is_paused",
    "warned_at",
    "breached_at",
    "met_at",
    "cancelled_at",
    "elapsed_seconds",
    "escalation_level",
]
OUTPUT_TABLES = [  # what a sweep writes
    "sla_slaclockevent",
    "cases_caseevent",
    "sla_escalation",
    "notifications_notification",
]


def out(line: str = "") -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(line: str) -> None:
    """Write one progress line to stderr (stdout carries only the report)."""
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    sys.stderr.flush()


# --- databases -----------------------------------------------------------------------------------


def pg(dbname: str, *statements: str, params: Any = None) -> list[Any]:
    """Run statements in autocommit on a fresh connection; return the last result's rows."""
    import psycopg

    rows: list[Any] = []
    with psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]  # our literal SQL
            rows = cursor.fetchall() if cursor.description else []
    return rows


def recreate_database(name: str) -> None:
    pg("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CREATE_DB.format(name=name))


def drop_database(name: str) -> None:
    with contextlib.suppress(Exception):
        pg("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def database_exists(name: str) -> bool:
    return bool(pg("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", params=[name]))


SOURCE = {"src": ROOT}  # where aftersales is imported from (an exported --rev, or the tree)


def project_env(dbname: str) -> dict[str, str]:
    src = SOURCE["src"]
    return {
        **os.environ,
        **({} if src == ROOT else {"PYTHONPATH": str(src)}),
        "DATABASE_URL": f"{PG_SERVER}/{dbname}",
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DEBUG": "true",
        "SECRET_KEY": "bench",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
        "CELERY_BROKER_URL": "",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }


def migrate(dbname: str) -> None:
    cmd = [str(PROJECT_BIN / "aftersales"), "migrate", "--noinput", "-v", "0"]
    result = subprocess.run(
        cmd,
        env=project_env(dbname),
        cwd=SOURCE["src"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"migrate failed on {dbname}:\n{result.stdout}\n{result.stderr}")


def export_revision(rev: str, workdir: Path) -> Path:
    """Export ``rev`` of the repository into workdir/src (read-only git; no checkout)."""
    src = workdir / "src"
    src.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    return src


def describe_source(rev: str | None) -> str:
    """Say which code of aftersales is measured: a git revision or the working tree."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    if rev:
        return f"git {rev} = {git('rev-parse', '--short', rev) or '?'}"
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "aftersales")
    return f"working tree at {head}" + (" with uncommitted changes" if dirty else "")


def django_setup() -> None:
    """Set Django up against the big database, with the small one as a second alias."""
    os.environ.update(project_env(BIG_DB))
    sys.path.insert(0, str(SOURCE["src"]))
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["bench_small"] = {**settings.DATABASES["default"], "NAME": SMALL_DB}


_WRAPPERS: dict[str, Any] = {}


def activate(dbname: str) -> None:
    """Point Django's default connection at ``dbname`` (each keeps its own open connection)."""
    from django.db import connections

    if not _WRAPPERS:
        _WRAPPERS[BIG_DB] = connections["default"]
        _WRAPPERS[SMALL_DB] = connections["bench_small"]
    connections["default"] = _WRAPPERS[dbname]


def sql(statement: str, params: Any = None) -> list[Any]:
    """Run one statement on the active Django connection (autocommit); return rows if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def share_calendar_tokens(source: str, target: str) -> None:
    """Give ``target``'s calendars the change tokens of ``source``'s (same content, same ids).

    `calendar_spec` caches a compiled calendar per process, keyed on its id and change token;
    the migrations give each database a random token, so switching between the two databases
    would recompile the calendars on every switch, which a real worker never does.
    """
    activate(source)
    column = sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'calendars_businesscalendar' AND column_name IN ('revision', 'version') "
        "ORDER BY column_name"
    )
    if not column:
        return
    name = column[0][0]  # "revision" where it exists, else "version"
    rows = sql(f"SELECT id, {name} FROM calendars_businesscalendar")  # noqa: S608
    activate(target)
    for pk, token in rows:
        sql(f"UPDATE calendars_businesscalendar SET {name} = %s WHERE id = %s", [token, pk])  # noqa: S608


# --- the backlog ---------------------------------------------------------------------------------


@dataclass
class Fixtures:
    region: Any
    customer: Any
    team: Any
    supervisor: Any
    directors: list[Any]
    agents: list[Any]
    contracts: dict[str, Any]  # service level -> contract ("" -> none)
    assets: dict[str, Any]  # service level -> asset ("" -> none)


def create_fixtures() -> Fixtures:
    """Create the few rows every case refers to, through the product's services."""
    import datetime as dt

    from aftersales.accounts.models import Team
    from aftersales.accounts.services import user_create
    from aftersales.catalog.services import asset_create, contract_create, product_create
    from aftersales.customers.services import customer_create, region_create

    supervisor = user_create(
        by=None, username="bench_supervisor", role="supervisor", language="zh-hans"
    )
    directors = [
        user_create(
            by=None,
            username=f"bench_director_{i}",
            role="supervisor",
            is_service_director=True,
            language=lang,
        )
        for i, lang in enumerate(["zh-hans", "en"], start=1)
    ]
    languages = ["zh-hans", "en", ""]
    agents = [
        user_create(
            by=None, username=f"bench_engineer_{i:02d}", role="engineer", language=languages[i % 3]
        )
        for i in range(12)
    ]
    region = region_create(by=None, code="BENCH-EAST", name="华东区", supervisor=supervisor)
    team = Team.objects.create(code="bench-east-field", name="华东现场组", lead=agents[0])
    customer = customer_create(
        by=None, code="BENCH-SH-RMYY", name="上海市第一人民医院", region=region
    )
    product = product_create(
        by=None, code="BENCH-S9700", name="核心交换机 S9700", category="network"
    )
    contracts: dict[str, Any] = {"": None}
    assets: dict[str, Any] = {"": None}
    for level in ("7x24", "5x8"):
        contracts[level] = contract_create(
            by=None,
            number=f"BENCH-{level.upper()}",
            customer=customer,
            service_level=level,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2028, 12, 31),
        )
        assets[level] = asset_create(
            by=None,
            serial_number=f"BENCH-S9700-{level.upper()}",
            product=product,
            customer=customer,
            contract=contracts[level],
            purchase_date=dt.date(2026, 1, 10),
        )
    return Fixtures(region, customer, team, supervisor, directors, agents, contracts, assets)


class ClockFactory:
    """Clock rows as the product computes them, with the sweeps up to an instant replayed."""

    def __init__(self) -> None:
        from aftersales.sla.models import EscalationRule

        self.ladder: dict[tuple[str, str], list[Any]] = {}
        for rule in EscalationRule.objects.filter(is_active=True).order_by("level"):
            self.ladder.setdefault((rule.severity, rule.target), []).append(rule)
        self._targets: dict[tuple[int, str], list[tuple[str, Any]]] = {}
        self._memo: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.computed = 0

    def targets(self, policy: Any, severity: str) -> list[tuple[str, Any]]:
        """Return the (kind, SlaTarget) pairs a case starts with, in the product's order."""
        from aftersales.sla.choices import STARTS_ON_RESOLUTION
        from aftersales.sla.services import TARGET_ORDER, targets_for

        key = (policy.pk, severity)
        if key not in self._targets:
            chosen = targets_for(policy, severity)
            self._targets[key] = [
                (kind, chosen[kind])
                for kind in sorted(chosen, key=lambda k: TARGET_ORDER[k])
                if kind not in STARTS_ON_RESOLUTION
            ]
        return self._targets[key]

    def _replay(self, clock: Any, rules: list[Any], until: datetime) -> None:
        """Apply what minute-by-minute sweeps would have recorded up to ``until``."""
        from aftersales.calendars.selectors import calendar_spec
        from aftersales.sla import clockmath
        from aftersales.sla.services.clocks import _refresh

        spec = calendar_spec(clock.calendar)
        d = clock.duration_seconds
        for _ in range(8):
            _refresh(clock, pauses=(), rules=rules, now=until)
            event = clock.next_event_at
            if event is None or event > until:
                return
            used = clockmath.consumed(spec, clock.started_at, (), event)
            if clock.breached_at is None and used >= d:
                clock.breached_at = clock.due_at
            elif clock.warned_at is None and used >= d * clock.warning_percent // 100:
                clock.warned_at = event
            for rule in rules:
                if rule.level > clock.escalation_level and used >= d + rule.after_minutes * 60:
                    clock.escalation_level = rule.level
        raise RuntimeError(f"clock {clock.target} did not settle by {until}")

    def clock(
        self,
        *,
        policy: Any,
        kind: str,
        target: Any,
        severity: str,
        status: str,
        start: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        """Return the row of one clock of a case reported at ``start``, as of ``until``."""
        from aftersales.calendars.selectors import calendar_spec
        from aftersales.sla import clockmath
        from aftersales.sla.models import SlaClock
        from aftersales.sla.services.clocks import _refresh

        # A remedy clock (warranty claims, complaints) runs like restore: to the end of the case.
        mode = MODES[status].get(kind, MODES[status]["restore"])
        rules = self.ladder.get((severity, kind), [])
        key = (target.pk, policy.pk, tuple(r.pk for r in rules), mode, start, until)
        if key in self._memo:
            return self._memo[key]
        self.computed += 1
        clock = SlaClock(
            target=kind,
            policy=policy,
            calendar=target.calendar,
            duration_seconds=target.minutes * 60,
            warning_percent=target.warning_percent,
            started_at=start,
            is_paused=False,
        )
        age = until - start
        spec = calendar_spec(clock.calendar)
        if mode == RUNNING:
            self._replay(clock, rules, until)
        elif mode == MET:  # as services._meet does
            at = start + (
                min(timedelta(minutes=20), age / 4) if kind == "response" else age * MET_AT[kind]
            )
            at = at.replace(microsecond=0)
            self._replay(clock, rules, at)
            used = clockmath.consumed(spec, start, (), at)
            clock.met_at, clock.elapsed_seconds, clock.is_paused = at, used, False
            if used > clock.duration_seconds and clock.breached_at is None:
                clock.breached_at = clock.due_at
            _refresh(clock, pauses=(), rules=(), now=at)
        else:  # paused, as services._pause does
            at = pause_at(start, until)
            self._replay(clock, rules, at)
            pauses = [(at, None)]
            clock.elapsed_seconds = clockmath.consumed(spec, start, pauses, at)
            clock.is_paused = True
            _refresh(clock, pauses=pauses, rules=(), now=at)
        row = {c: getattr(clock, c) for c in CLOCK_COLUMNS}
        self._memo[key] = row
        return row

    def case_clocks(
        self, *, policy: Any, severity: str, status: str, start: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        return [
            self.clock(
                policy=policy,
                kind=kind,
                target=target,
                severity=severity,
                status=status,
                start=start,
                until=until,
            )
            for kind, target in self.targets(policy, severity)
        ]


def pause_at(start: datetime, until: datetime) -> datetime:
    return (start + (until - start) * PAUSE_AT).replace(microsecond=0)


def responded_at(start: datetime, until: datetime) -> datetime:
    return (start + min(timedelta(minutes=20), (until - start) / 4)).replace(microsecond=0)


@dataclass
class Profile:
    case_type: str
    severity: str
    level: str
    status: str
    weight: float
    policy: Any = None
    facts: dict[str, Any] = field(default_factory=dict)


def decide(fx: Fixtures, case_type: str, severity: str, level: str, at: datetime) -> Any:
    """Return the product's policy decision for a case of this kind."""
    from aftersales.cases.models import Case
    from aftersales.sla.services import policy_decide

    case = Case(
        case_type=case_type,
        severity=severity,
        customer=fx.customer,
        contract=fx.contracts[level],
        asset=fx.assets[level],
        reported_at=at,
    )
    return policy_decide(case=case)


def copy_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


@dataclass
class DueCase:
    number: str
    kind: int
    event_at: datetime


def case_number(g: int) -> str:
    return f"SR-2026-{g:06d}"


def due_instants(count: int) -> list[datetime]:
    """Return the instants at which the due clocks fall due: one a second, the last at NOW."""
    return [NOW - timedelta(seconds=count - 1 - i) for i in range(count)]


def start_for(spec: Any, amount: int, event_at: datetime) -> datetime:
    """Return the report time from which ``amount`` working seconds end exactly at ``event_at``."""
    from aftersales.calendars.engine import add_working_time

    base = int(event_at.timestamp())
    lo, hi = base - 90 * 86400, base
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if add_working_time(spec, datetime.fromtimestamp(mid, TZ), amount) <= event_at:
            lo = mid
        else:
            hi = mid - 1
    start = datetime.fromtimestamp(lo, TZ)
    if add_working_time(spec, start, amount) != event_at:
        raise RuntimeError(f"no start reaches {event_at} with {amount} s")
    return start


def load(dbname: str, cases: int, due: int, window_hours: float) -> dict[str, Any]:
    """Fill the active database with ``cases`` open cases, ``due`` of them with a due clock."""
    from django.db import connection, transaction

    from aftersales.calendars.selectors import calendar_spec

    timings: dict[str, float] = {}
    began = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal began
        now = time.perf_counter()
        timings[name] = round(now - began, 2)
        began = now
        log(f"  {dbname}: {name} {timings[name]:.1f} s")

    fx = create_fixtures()
    factory = ClockFactory()

    # Case profiles (type x severity x contract x status) and their policy decisions.
    profiles: list[Profile] = []
    for case_type, wt in TYPES:
        for severity, ws in SEVERITIES:
            for level, wc in CONTRACTS:
                decision = decide(fx, case_type, severity, level, NOW)
                for status, wst in STATUSES:
                    profiles.append(
                        Profile(
                            case_type,
                            severity,
                            level,
                            status,
                            wt * ws * wc * wst,
                            decision.policy,
                            decision.facts,
                        )
                    )
    slots: list[tuple[int, int]] = []
    total = sum(p.weight for p in profiles)
    acc = 0.0
    for index, p in enumerate(profiles):
        first = round(acc / total * SLOTS)
        acc += p.weight
        slots += [(s, index) for s in range(first, round(acc / total * SLOTS))]

    # The report-time grid and the clock rows of every (clock profile, report time).
    step = timedelta(minutes=GRID_MINUTES)
    grid = [NOW - step * (i + 1) for i in range(int(window_hours * 60 / GRID_MINUTES))]
    clock_profiles: dict[tuple[int, str, str], int] = {}
    profile_rows = []
    for index, p in enumerate(profiles):
        # Severity matters to the clocks only through the confirm target and its ladder.
        has_confirm = any(k == "confirm" for k, _t in factory.targets(p.policy, p.severity))
        key = (p.policy.pk, p.severity if has_confirm else "", p.status)
        cp = clock_profiles.setdefault(key, len(clock_profiles))
        contract, asset = fx.contracts[p.level], fx.assets[p.level]
        profile_rows.append(
            (
                index,
                p.case_type,
                p.severity,
                p.status,
                contract.pk if contract else None,
                asset.pk if asset else None,
                cp,
                p.policy.pk,
                json.dumps(p.facts),
            )
        )
    policies = {p.policy.pk: p.policy for p in profiles}
    template_rows = []
    for (policy_pk, severity, status), cp in clock_profiles.items():
        for r_idx, start in enumerate(grid):
            for order, row in enumerate(
                factory.case_clocks(
                    policy=policies[policy_pk],
                    severity=severity or "C-3",
                    status=status,
                    start=start,
                    until=NOW,
                )
            ):
                template_rows.append((cp, r_idx, order, *(row[c] for c in CLOCK_COLUMNS)))
    lap(f"clock templates ({len(template_rows):,} rows, {factory.computed:,} computed)")

    sql(
        "CREATE TABLE bench_profile (profile int PRIMARY KEY, case_type text, severity text, "
        "status text, contract_id bigint, asset_id bigint, clock_profile int, policy_id bigint, "
        "facts jsonb)"
    )
    sql("CREATE TABLE bench_slot (slot int PRIMARY KEY, profile int)")
    sql(
        "CREATE TABLE bench_instant (r_idx int PRIMARY KEY, reported_at timestamptz, "
        "responded_at timestamptz, pause_at timestamptz)"
    )
    sql(
        "CREATE TABLE bench_clock_template (clock_profile int, r_idx int, ord int, "
        "target text, policy_id bigint, calendar_id bigint, duration_seconds int, "
        "warning_percent smallint, started_at timestamptz, due_at timestamptz, "
        "warn_at timestamptz, next_event_at timestamptz, state text, is_paused bool, "
        "warned_at timestamptz, breached_at timestamptz, met_at timestamptz, "
        "cancelled_at timestamptz, elapsed_seconds int, escalation_level smallint)"
    )
    copy_rows(
        "bench_profile",
        [
            "profile",
            "case_type",
            "severity",
            "status",
            "contract_id",
            "asset_id",
            "clock_profile",
            "policy_id",
            "facts",
        ],
        profile_rows,
    )
    copy_rows("bench_slot", ["slot", "profile"], slots)
    copy_rows(
        "bench_instant",
        ["r_idx", "reported_at", "responded_at", "pause_at"],
        [(i, s, responded_at(s, NOW), pause_at(s, NOW)) for i, s in enumerate(grid)],
    )
    copy_rows(
        "bench_clock_template", ["clock_profile", "r_idx", "ord", *CLOCK_COLUMNS], template_rows
    )
    sql("CREATE INDEX ON bench_clock_template (clock_profile, r_idx)")
    sql("ANALYZE bench_profile, bench_slot, bench_instant, bench_clock_template")

    # The due cases, computed before the load so that they are written by it, spread evenly
    # over the table (their rows lie wherever their case number puts them, as in real life):
    # each gets a status and policy in which one clock falls due at its own instant.
    instants = due_instants(due)
    due_cases: list[DueCase] = []
    due_case_rows = []
    due_clock_rows = []
    for i, event_at in enumerate(instants):
        g_due = 1 + (i * cases) // due + cases // (2 * due)
        kind = DUE_KINDS[i % len(DUE_KINDS)]
        _name, case_type, level, severity, status, target_kind, threshold = kind[:7]
        decision = decide(fx, case_type, severity, level, event_at)
        target = dict(factory.targets(decision.policy, severity))[target_kind]
        d = target.minutes * 60
        if threshold == "warn":
            amount = d * target.warning_percent // 100
        elif threshold == "due":
            amount = d
        else:  # the second rung of the ladder
            amount = d + factory.ladder[(severity, target_kind)][1].after_minutes * 60
        start = start_for(calendar_spec(target.calendar), amount, event_at)
        rows = factory.case_clocks(
            policy=decision.policy,
            severity=severity,
            status=status,
            start=start,
            until=event_at - timedelta(seconds=1),
        )
        for order, row in enumerate(rows):
            if row["target"] == target_kind and row["next_event_at"] != event_at:
                raise RuntimeError(f"{kind[0]}: next event {row['next_event_at']}")
            due_clock_rows.append((g_due, order, *(row[c] for c in CLOCK_COLUMNS)))
        contract, asset = fx.contracts[level], fx.assets[level]
        due_case_rows.append(
            (
                g_due,
                status,
                case_type,
                severity,
                contract.pk if contract else None,
                asset.pk if asset else None,
                start,
                None if status == "new" else responded_at(start, event_at),
                fx.agents[i % len(fx.agents)].pk,
                decision.policy.pk,
                json.dumps(decision.facts),
            )
        )
        due_cases.append(DueCase(case_number(g_due), i % len(DUE_KINDS), event_at))
    sql(
        "CREATE TABLE bench_due_case (num int PRIMARY KEY, status text, case_type text, "
        "severity text, contract_id bigint, asset_id bigint, reported_at timestamptz, "
        "responded_at timestamptz, assignee_id bigint, policy_id bigint, facts jsonb)"
    )
    sql(
        "CREATE TABLE bench_due_clock AS SELECT 0 AS num, ord, "  # noqa: S608 -- constants
        + ", ".join(CLOCK_COLUMNS)
        + " FROM bench_clock_template WHERE false"
    )
    copy_rows(
        "bench_due_case",
        [
            "num",
            "status",
            "case_type",
            "severity",
            "contract_id",
            "asset_id",
            "reported_at",
            "responded_at",
            "assignee_id",
            "policy_id",
            "facts",
        ],
        due_case_rows,
    )
    copy_rows("bench_due_clock", ["num", "ord", *CLOCK_COLUMNS], due_clock_rows)
    sql("ANALYZE bench_due_case, bench_due_clock")
    lap(f"due cases ({due:,})")

    # The bulk load. Foreign keys are checked by deferred triggers at commit, one per row and
    # key; the rows below are consistent by construction, so the load skips those triggers.
    k = len(grid)
    agent_ids = "ARRAY[" + ",".join(str(a.pk) for a in fx.agents) + "]::bigint[]"
    channels = "ARRAY[" + ",".join(f"'{c}'" for c in CHANNELS) + "]"
    summaries = "ARRAY[" + ",".join(f"'{s}'" for s in SUMMARIES) + "]"
    key_slot = "mod(hashint4({g}) & 2147483647, " + str(SLOTS) + ")"
    key_r = "mod(hashint4({g} + 7777777) & 2147483647, " + str(k) + ")"
    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")
        sql("SET LOCAL work_mem = '256MB'")
        sql("SET LOCAL maintenance_work_mem = '512MB'")
        g = "g"
        sql(
            f"""
            INSERT INTO cases_case (created_at, updated_at, number, status, case_type, channel,
                severity, summary, description, reported_at, resolution, responded_at,
                reopen_count, version, asset_id, assignee_id, contract_id, created_by_id,
                customer_id, team_id, cause, sla_facts, sla_state, search_grams)
            SELECT coalesce(d.reported_at, i.reported_at), coalesce(d.reported_at, i.reported_at),
                'SR-2026-' || CASE WHEN g < 1000000 THEN lpad(g::text, 6, '0') ELSE g::text END,
                coalesce(d.status, p.status), coalesce(d.case_type, p.case_type),
                ({channels})[1 + mod(g, {len(CHANNELS)})], coalesce(d.severity, p.severity),
                ({summaries})[1 + mod(g, {len(SUMMARIES)})], %s,
                coalesce(d.reported_at, i.reported_at), '',
                CASE WHEN d.num IS NOT NULL THEN d.responded_at
                     WHEN p.status <> 'new' THEN i.responded_at END,
                0, 1 + mod(g, 7),
                CASE WHEN d.num IS NULL THEN p.asset_id ELSE d.asset_id END,
                coalesce(d.assignee_id, ({agent_ids})[1 + mod(g, {len(fx.agents)})]),
                CASE WHEN d.num IS NULL THEN p.contract_id ELSE d.contract_id END,
                ({agent_ids})[1 + mod(g / 7, {len(fx.agents)})], %s, %s, '', '{{}}'::jsonb,
                'running', ''
            FROM generate_series(1, %s) AS g
            JOIN bench_slot s ON s.slot = {key_slot.format(g=g)}
            JOIN bench_profile p ON p.profile = s.profile
            JOIN bench_instant i ON i.r_idx = {key_r.format(g=g)}
            LEFT JOIN bench_due_case d ON d.num = g
            ORDER BY g
            """,  # noqa: S608 -- our own constants and integers
            [DESCRIPTION, fx.customer.pk, fx.team.pk, cases],
        )
        lap(f"cases ({cases:,})")
        g = "substr(c.number, 9)::int"
        cols = ", ".join(CLOCK_COLUMNS)
        sql(
            f"""
            INSERT INTO sla_slaclock (case_id, {cols})
            SELECT case_id, {cols} FROM (
                SELECT c.id AS case_id, t.ord, {", ".join("t." + col for col in CLOCK_COLUMNS)}
                FROM cases_case c
                JOIN bench_slot s ON s.slot = {key_slot.format(g=g)}
                JOIN bench_profile p ON p.profile = s.profile
                JOIN bench_clock_template t ON t.clock_profile = p.clock_profile
                    AND t.r_idx = {key_r.format(g=g)}
                WHERE NOT EXISTS (SELECT 1 FROM bench_due_case d WHERE d.num = {g})
                UNION ALL
                SELECT c.id, t.ord, {", ".join("t." + col for col in CLOCK_COLUMNS)}
                FROM cases_case c JOIN bench_due_clock t ON t.num = {g}
            ) AS u
            ORDER BY case_id, ord
            """  # noqa: S608 -- our own constants
        )
        lap("clocks")
        sql(
            f"""
            UPDATE cases_case c SET sla_policy_id = coalesce(d.policy_id, p.policy_id),
                sla_facts = CASE WHEN d.num IS NOT NULL THEN d.facts ELSE jsonb_set(p.facts,
                '{{date}}', to_jsonb(to_char(c.reported_at AT TIME ZONE 'Asia/Shanghai',
                'YYYY-MM-DD'))) END
            FROM bench_slot s, bench_profile p, cases_case c2
            LEFT JOIN bench_due_case d ON d.num = substr(c2.number, 9)::int
            WHERE c2.id = c.id AND s.slot = {key_slot.format(g=g)} AND p.profile = s.profile
            """  # noqa: S608 -- our own constants
        )
        sql(
            f"""
            INSERT INTO sla_slapause (case_id, started_at, ended_at, status)
            SELECT c.id, i.pause_at, NULL, 'waiting_customer'
            FROM cases_case c
            JOIN bench_instant i ON i.r_idx = {key_r.format(g=g)}
            WHERE c.status = 'waiting_customer'
            ORDER BY c.id
            """  # noqa: S608 -- our own constants
        )
        lap("assignments and pauses")

    numbers = [d.number for d in due_cases]
    # Everything the restore needs: the due cases' clocks as they are now, and where the
    # sweep's output tables end.
    sql(
        "CREATE TABLE bench_due_snapshot AS SELECT s.* FROM sla_slaclock s "
        "JOIN cases_case c ON c.id = s.case_id WHERE c.number = ANY(%s)",
        [numbers],
    )
    connection.close()  # VACUUM and CHECKPOINT need autocommit outside any transaction
    sql("VACUUM (ANALYZE)")
    sql("CHECKPOINT")
    lap("vacuum, analyze, checkpoint")
    meta = {
        "cases": cases,
        "due": due,
        "due_cases": [
            {"number": d.number, "kind": d.kind, "event_at": d.event_at.isoformat()}
            for d in due_cases
        ],
        "load_seconds": timings,
        "load_total_seconds": round(sum(timings.values()), 1),
        "template_rows": len(template_rows),
        "grid_points": len(grid),
        "window_hours": window_hours,
    }
    sql("CREATE TABLE bench_meta (data jsonb)")
    sql("INSERT INTO bench_meta VALUES (%s)", [json.dumps(meta)])
    return meta


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Dataset:
    dbname: str
    meta: dict[str, Any]
    marks: dict[str, int] = field(default_factory=dict)  # max id of each output table

    @property
    def cases(self) -> int:
        return int(self.meta["cases"])

    def now_for(self, due: int) -> datetime:
        """Return the sweep instant at which exactly ``due`` clocks are due."""
        instants = [datetime.fromisoformat(d["event_at"]) for d in self.meta["due_cases"]]
        return instants[0] - timedelta(seconds=1) if due == 0 else instants[due - 1]

    def expected(self, due: int) -> dict[str, int]:
        totals = Counter[str]()
        for d in self.meta["due_cases"][:due]:
            kind = DUE_KINDS[d["kind"]]
            totals["clocks"] += 1
            totals["warnings"] += kind[7]
            totals["breaches"] += kind[8]
            totals["escalations"] += kind[9]
            totals["notifications"] += kind[10]
        return {
            k: totals[k] for k in ("clocks", "warnings", "breaches", "escalations", "notifications")
        }


def mark_outputs(ds: Dataset) -> None:
    activate(ds.dbname)
    for table in OUTPUT_TABLES:
        ds.marks[table] = sql(f"SELECT coalesce(max(id), 0) FROM {table}")[0][0]  # noqa: S608


def written(ds: Dataset) -> dict[str, int]:
    return {
        t: sql(f"SELECT count(*) FROM {t} WHERE id > %s", [ds.marks[t]])[0][0]  # noqa: S608
        for t in OUTPUT_TABLES
    }


def restore(ds: Dataset) -> None:
    """Undo a sweep: the due cases' clocks back from the snapshot, its output rows deleted."""
    from django.db import transaction

    cols = [c for c in CLOCK_COLUMNS if c not in ("target", "started_at")]
    with transaction.atomic():
        sql(
            f"UPDATE sla_slaclock c SET ({', '.join(cols)}) = "  # noqa: S608 -- constants
            f"({', '.join('s.' + c for c in cols)}) FROM bench_due_snapshot s WHERE c.id = s.id"
        )
        for table in reversed(OUTPUT_TABLES):
            sql(f"DELETE FROM {table} WHERE id > %s", [ds.marks[table]])  # noqa: S608


def count_due(ds: Dataset, now: datetime) -> int:
    return sql("SELECT count(*) FROM sla_slaclock WHERE next_event_at <= %s", [now])[0][0]


class SqlTimer:
    """An execute wrapper: counts statements and the time spent in them (driver round trips)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql_: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql_, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.count += 1


def sweep_once(ds: Dataset, due: int) -> dict[str, Any]:
    """Run one timed sweep with ``due`` clocks due, then undo it."""
    from django.db import connection

    from aftersales.sla.services import sla_sweep

    activate(ds.dbname)
    connection.ensure_connection()
    now = ds.now_for(due)
    timer = SqlTimer()
    gc.collect()
    with connection.execute_wrapper(timer):
        began = time.perf_counter()
        result = sla_sweep(now=now)
        elapsed = time.perf_counter() - began
    if result.clocks != due:
        raise RuntimeError(f"{ds.dbname}: swept {result.clocks} clocks, expected {due}")
    if due:
        restore(ds)
    return {"ms": elapsed * 1000, "sql_ms": timer.seconds * 1000, "statements": timer.count}


def checked_sweep(ds: Dataset, due: int) -> dict[str, Any]:
    """Run a sweep capturing its SQL, check what it did against the data, then undo it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aftersales.sla.services import sla_sweep

    activate(ds.dbname)
    now = ds.now_for(due)
    found = count_due(ds, now)
    if found != due:
        raise RuntimeError(f"{ds.dbname}: {found} clocks due at {now}, expected {due}")
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = sla_sweep(now=now)
        elapsed = time.perf_counter() - began
    got = {
        "clocks": result.clocks,
        "warnings": result.warnings,
        "breaches": result.breaches,
        "escalations": result.escalations,
        "notifications": result.notifications,
    }
    expected = ds.expected(due)
    rows = written(ds)
    events = expected["warnings"] + expected["breaches"] + expected["escalations"]
    expected_rows = {
        "sla_slaclockevent": events,
        "cases_caseevent": events,
        "sla_escalation": expected["escalations"],
        "notifications_notification": expected["notifications"],
    }
    if got != expected or rows != expected_rows:
        raise RuntimeError(
            f"{ds.dbname}, {due} due: sweep did {got}, wrote {rows}; expected {expected}, "
            f"{expected_rows}"
        )
    after = count_due(ds, now)
    if after != 0:
        raise RuntimeError(f"{ds.dbname}: {after} clocks still due after the sweep")
    if due:
        restore(ds)
        if count_due(ds, now) != due:
            raise RuntimeError(f"{ds.dbname}: restore did not bring back {due} due clocks")
    shapes = Counter(shape(q["sql"]) for q in queries.captured_queries)
    return {
        "ms": elapsed * 1000,
        "result": got,
        "rows_written": rows,
        "statements": len(queries.captured_queries),
        "statement_shapes": [{"count": n, "sql": s} for s, n in shapes.most_common()],
    }


def shape(statement: str) -> str:
    """Return a short, parameter-free label of a statement for grouping."""
    words = statement.split()
    head = " ".join(words[:3])
    if words and words[0] == "SELECT" and " FROM " in statement:
        table = statement.split(" FROM ", 1)[1].split()[0].strip('"')
        extra = " FOR UPDATE" if "FOR UPDATE" in statement else ""
        return f"SELECT ... FROM {table}{extra}"  # noqa: S608 -- a label, not a query
    if words and words[0] == "UPDATE":
        return (
            f"UPDATE {words[1].strip(chr(34))} (CASE WHEN ...)"
            if "CASE WHEN" in statement
            else f"UPDATE {words[1].strip(chr(34))}"
        )
    if words and words[0] == "INSERT":
        return f"INSERT INTO {words[2].strip(chr(34))}"
    return head[:60]


def explain_candidates(ds: Dataset, due: int) -> str:
    """Return EXPLAIN (ANALYZE, BUFFERS) of the sweep's candidate query (rolled back)."""
    from django.conf import settings
    from django.db import connection, transaction

    from aftersales.sla.models import SlaClock

    activate(ds.dbname)
    now = ds.now_for(due)
    qs = (  # the query of sla.services._sweep_batch
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "calendar",
            "case",
            "case__assignee",
            "case__team__lead",
            "case__customer__region__supervisor",
            "case__site__region__supervisor",
        )
        .filter(next_event_at__lte=now)
        .order_by("next_event_at")[: settings.SLA_SWEEP_BATCH]
    )
    with transaction.atomic():
        statement, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            plan = "\n".join(r[0] for r in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def profile_sweep(ds: Dataset, due: int) -> str:
    """Return cProfile's view of one sweep (cumulative and own time), then undo the sweep."""
    from aftersales.sla.services import sla_sweep

    activate(ds.dbname)
    profiler = cProfile.Profile()
    profiler.enable()
    sla_sweep(now=ds.now_for(due))
    profiler.disable()
    restore(ds)
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    return buffer.getvalue()


def table_sizes(ds: Dataset) -> dict[str, Any]:
    activate(ds.dbname)
    rows = sql(
        """
        SELECT
          (SELECT count(*) FROM cases_case),
          (SELECT count(*) FROM cases_case WHERE status IN ('new', 'responded', 'diagnosing',
              'dispatched', 'in_progress', 'waiting_customer', 'waiting_parts')),
          (SELECT count(*) FROM sla_slaclock),
          (SELECT count(*) FROM sla_slaclock WHERE next_event_at IS NOT NULL),
          pg_total_relation_size('cases_case'),
          pg_total_relation_size('sla_slaclock'),
          pg_relation_size('sla_clock_next_event_idx'),
          pg_database_size(current_database())
        """
    )[0]
    states = dict(sql("SELECT state, count(*) FROM sla_slaclock GROUP BY state ORDER BY state"))
    return {
        "cases": rows[0],
        "open_cases": rows[1],
        "clocks": rows[2],
        "clocks_indexed": rows[3],
        "clock_states": states,
        "cases_mb": round(rows[4] / 2**20),
        "clocks_mb": round(rows[5] / 2**20),
        "next_event_index_mb": round(rows[6] / 2**20, 1),
        "database_mb": round(rows[7] / 2**20),
    }


def churn(ds: Dataset, count: int) -> None:
    """Leave ``count`` dead entries below "now" in the next-event index, as ``count`` clock
    updates since the last vacuum do (each fired event leaves its old entry, whose time has
    passed). Autovacuum is switched off on the table while this lasts."""
    activate(ds.dbname)
    sql("ALTER TABLE sla_slaclock SET (autovacuum_enabled = false)")
    sql(
        "CREATE TABLE bench_churn AS SELECT id FROM sla_slaclock "
        "WHERE next_event_at IS NULL ORDER BY id LIMIT %s",
        [count],
    )
    sql(
        "UPDATE sla_slaclock SET next_event_at = %s - random() * interval '20 hours' "
        "WHERE id IN (SELECT id FROM bench_churn)",
        [ds.now_for(0)],
    )
    sql("UPDATE sla_slaclock SET next_event_at = NULL WHERE id IN (SELECT id FROM bench_churn)")


def unchurn(ds: Dataset) -> float:
    """VACUUM the clocks (index entries included); return how long it took."""
    activate(ds.dbname)
    began = time.perf_counter()
    sql("VACUUM (INDEX_CLEANUP ON) sla_slaclock")
    took = time.perf_counter() - began
    sql("ALTER TABLE sla_slaclock RESET (autovacuum_enabled)")
    sql("DROP TABLE IF EXISTS bench_churn")
    return took


# --- report --------------------------------------------------------------------------------------


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
    settings = {
        name: pg("postgres", f"SHOW {name}")[0][0]
        for name in ("server_version", "shared_buffers", "synchronous_commit", "work_mem")
    }
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": metadata.version("Django"),
        "psycopg": metadata.version("psycopg"),
        "postgresql": settings.pop("server_version"),
        "postgresql_settings": settings,
    }


def summarize(samples: list[dict[str, Any]]) -> dict[str, Any]:
    ms = [s["ms"] for s in samples]
    sql_ms = [s["sql_ms"] for s in samples]
    return {
        "median_ms": statistics.median(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "sql_median_ms": statistics.median(sql_ms),
        "statements": samples[0]["statements"],
        "samples_ms": [round(x, 2) for x in ms],
    }


def paired(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, float]:
    ratios = [x["ms"] / y["ms"] for x, y in zip(a, b, strict=True)]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}


def print_report(report: dict[str, Any]) -> None:
    m, s, r = report["machine"], report["summary"], report["ratios"]
    big, small = report["datasets"]["big"], report["datasets"]["small"]
    rounds, due, high = (
        report["settings"]["repeat"],
        report["settings"]["due"],
        report["settings"]["due_high"],
    )
    target = report["target_ms"]
    out(
        f"### SLA sweep: `sla_sweep()` on {big['sizes']['open_cases']:,} open cases "
        f"({m['date'][:10]})"
    )
    out()
    out(f"aftersales measured from the {report['source']}.")
    out()
    out(
        f"Wall time of one `sla_sweep(now=...)` call in-process (real commits, DEBUG off), "
        f"median of {rounds} interleaved rounds; the swept clocks are restored between rounds. "
        f"'in SQL': time inside the cursor calls (round trips included, COMMIT not); statements "
        f"as CaptureQueriesContext counts them (BEGIN and COMMIT included)."
    )
    out()
    out(
        "| sweep | open cases | clocks (with a next event) | due clocks | median | range "
        "| in SQL | SQL statements |"
    )
    out("|---|---:|---:|---:|---:|---:|---:|---:|")
    factor = round(big["sizes"]["cases"] / small["sizes"]["cases"])
    for key, label, ds in [
        ("big_0", "fixed cost (nothing due)", big),
        ("big_due", f"{due} due (the target)", big),
        ("big_high", f"{high} due", big),
        ("small_0", f"{factor}x smaller table, nothing due", small),
        ("small_due", f"{factor}x smaller table, {due} due", small),
    ]:
        if key not in s:
            continue
        x, z = s[key], ds["sizes"]
        n_due = {"big_0": 0, "small_0": 0, "big_due": due, "small_due": due}.get(key, high)
        out(
            f"| {label} | {z['open_cases']:,} | {z['clocks']:,} ({z['clocks_indexed']:,}) "
            f"| {n_due:,} | {x['median_ms']:.1f} ms | {x['min_ms']:.1f}–{x['max_ms']:.1f} "
            f"| {x['sql_median_ms']:.1f} ms | {report['checks'][key]['statements']} |"
        )
    out()
    verdict = "met" if s["big_due"]["median_ms"] < target else "**NOT met**"
    out(
        f"Target: under {target} ms a sweep with {due} due among "
        f"{big['sizes']['open_cases']:,} open cases: {verdict} "
        f"(median {s['big_due']['median_ms']:.1f} ms)."
    )
    out()
    out("| ratio (median of per-round ratios, range) | value |")
    out("|---|---:|")

    def ratio(label: str, key: str) -> None:
        if key in r:
            x = r[key]
            out(f"| {label} | {x['median']:.2f} ({x['min']:.2f}–{x['max']:.2f}) |")

    ratio(
        f"{due} due: {big['sizes']['open_cases']:,} / {small['sizes']['open_cases']:,} "
        "open cases (1.00 = independent of the backlog)",
        "big_vs_small_due",
    )
    ratio("nothing due: big / small table", "big_vs_small_0")
    ratio(f"{high} due / {due} due (same table)", "high_vs_due")
    ratio(f"{due} due / nothing due (same table)", "due_vs_0")
    out()
    per_clock = (s["big_due"]["median_ms"] - s["big_0"]["median_ms"]) / max(due, 1)
    out(
        f"Marginal cost: {per_clock:.2f} ms per due clock at {due} due"
        + (
            f", {(s['big_high']['median_ms'] - s['big_0']['median_ms']) / high:.2f} ms at {high}"
            if "big_high" in s
            else ""
        )
        + "."
    )
    out()
    churned = report.get("churn") or {}
    if churned:
        out(
            f"With {churned['count']:,} dead entries below now in `sla_clock_next_event_idx` "
            f"(as many clock updates since the last vacuum): {churned['dead']['median_ms']:.1f} ms "
            f"({churned['dead']['min_ms']:.1f}–{churned['dead']['max_ms']:.1f}, in SQL "
            f"{churned['dead']['sql_median_ms']:.1f} ms); "
            f"after `VACUUM` ({churned['vacuum_s']} s): "
            f"{churned['vacuumed']['median_ms']:.1f} ms "
            f"({churned['vacuumed']['min_ms']:.1f}–{churned['vacuumed']['max_ms']:.1f}, in SQL "
            f"{churned['vacuumed']['sql_median_ms']:.1f} ms)."
        )
        out()
    shapes = report["checks"]["big_due"]["statement_shapes"]
    out(
        f"SQL statements of the {due}-due sweep (CaptureQueriesContext): "
        + ", ".join(f"{x['count']}× {x['sql']}" for x in shapes)
        + "."
    )
    out()
    lb = big["meta"]
    out(
        f"Data: {big['sizes']['cases']:,} open cases, {big['sizes']['clocks']:,} clocks "
        f"({', '.join(f'{k} {v:,}' for k, v in big['sizes']['clock_states'].items())}), "
        f"report times over the last {lb['window_hours']:g} h; tables: cases "
        f"{big['sizes']['cases_mb']:,} MB, clocks {big['sizes']['clocks_mb']:,} MB, "
        f"`sla_clock_next_event_idx` {big['sizes']['next_event_index_mb']} MB. "
        f"Load (SQL, generate_series): {lb['load_total_seconds']:.0f} s for the big database, "
        f"{small['meta']['load_total_seconds']:.0f} s for the small one."
    )
    out()
    out(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; "
        f"Python {m['python']}, Django {m['django']}, psycopg {m['psycopg']}; PostgreSQL "
        f"{m['postgresql']} on 127.0.0.1 (shared_buffers="
        f"{m['postgresql_settings']['shared_buffers']}, synchronous_commit="
        f"{m['postgresql_settings']['synchronous_commit']}); run took {report['duration_s']:.0f} s."
    )
    out()
    out(f"Candidate query of the {due}-due sweep, `EXPLAIN (ANALYZE, BUFFERS)`:")
    out()
    out("```text")
    out(report["explain"]["big_due"])
    out("```")
    if "big_due_churned" in report["explain"]:
        out()
        out(f"The same query with {churned['count']:,} dead index entries below now:")
        out()
        out("```text")
        out(report["explain"]["big_due_churned"])
        out("```")


# --- main ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def cleanup(keep: bool, workdir: Path) -> Iterator[None]:
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            for wrapper in _WRAPPERS.values():
                wrapper.close()
            connections.close_all()
        if not keep:
            drop_database(BIG_DB)
            drop_database(SMALL_DB)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, help="open cases (default 1,000,000)")
    parser.add_argument("--due", type=int, default=100, help="due clocks (default 100)")
    parser.add_argument(
        "--due-high", type=int, default=1000, help="the 'grows with due' row (0: skip)"
    )
    parser.add_argument("--repeat", type=int, help="rounds (default 7, quick 3)")
    parser.add_argument("--small-factor", type=int, default=10, help="baseline table N/factor")
    parser.add_argument("--window-hours", type=float, default=72.0, help="report times span")
    parser.add_argument("--quick", action="store_true", help="20,000 cases (smoke run)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse databases kept by --keep")
    parser.add_argument("--profile", action="store_true", help=f"write {PROFILE_OUT.name}")
    parser.add_argument(
        "--churn",
        type=int,
        default=0,
        help="also measure the due sweep with this many dead index entries below now, then "
        "after a VACUUM (default 0: skip; 400000 = the autovacuum threshold at 1M cases)",
    )
    parser.add_argument(
        "--rev",
        help="benchmark this git revision (exported with git archive) instead of the working "
        "tree, e.g. HEAD while the tree is mid-edit",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args()
    args.cases = args.cases or (20_000 if args.quick else 1_000_000)
    args.repeat = args.repeat or (3 if args.quick else 7)
    small_cases = max(args.cases // args.small_factor, args.due * 2)
    high = args.due_high if args.due_high > args.due else 0
    if max(args.due, high) > 6 * 3600:
        raise SystemExit("the due clocks must fall due within the working day (at most 21,600)")

    started = time.time()
    workdir = Path(tempfile.mkdtemp(prefix="sla_sweep_bench-"))
    if args.rev:
        SOURCE["src"] = export_revision(args.rev, workdir)
    source = describe_source(args.rev)
    plan = [(BIG_DB, args.cases, max(args.due, high)), (SMALL_DB, small_cases, args.due)]
    with cleanup(args.keep or args.reuse, workdir):
        reuse = args.reuse and all(database_exists(db) for db, _n, _d in plan)
        if not reuse:
            for dbname, _n, _d in plan:
                log(f"creating {dbname} and migrating; aftersales from {source}")
                recreate_database(dbname)
                migrate(dbname)
        django_setup()
        from django.conf import settings

        logging.getLogger("aftersales.sla.services").setLevel(logging.WARNING)
        datasets: dict[str, Dataset] = {}
        for key, (dbname, n, due) in zip(("big", "small"), plan, strict=True):
            activate(dbname)
            if reuse:
                meta = sql("SELECT data FROM bench_meta")[0][0]
                meta = json.loads(meta) if isinstance(meta, str) else meta
                if meta["cases"] != n or meta["due"] != due:
                    raise SystemExit(f"{dbname} holds {meta['cases']} cases / {meta['due']} due")
                log(f"reusing {dbname}")
            else:
                log(f"loading {dbname}: {n:,} cases, {due:,} due")
                meta = load(dbname, n, due, args.window_hours)
            datasets[key] = Dataset(dbname, meta)
            mark_outputs(datasets[key])
        big, small = datasets["big"], datasets["small"]
        share_calendar_tokens(BIG_DB, SMALL_DB)
        sizes = {key: table_sizes(ds) for key, ds in datasets.items()}

        configs: dict[str, tuple[Dataset, int]] = {
            "big_0": (big, 0),
            "big_due": (big, args.due),
            "small_0": (small, 0),
            "small_due": (small, args.due),
        }
        if high:
            configs["big_high"] = (big, high)

        # The plan of the candidate query before any sweep has moved a row (a sweep's UPDATE and
        # the restore write new row versions, which land together at the end of the table).
        explain = {
            "big_due": explain_candidates(big, args.due),
            "small_due": explain_candidates(small, args.due),
        }
        if high:
            explain["big_high"] = explain_candidates(big, high)

        # A worker sweeps every minute, so measure it warm: the first sweep of a process also
        # compiles the calendars it meets (two queries each) and fills the database's caches.
        log("warming up: one sweep of each configuration")
        for ds, due in configs.values():
            sweep_once(ds, due)
        log("checking one sweep of each configuration")
        checks = {}
        for name, (ds, due) in configs.items():
            checks[name] = checked_sweep(ds, due)
            log(
                f"  {name}: {checks[name]['result']}, {checks[name]['statements']} statements, "
                f"{checks[name]['ms']:.1f} ms"
            )
        settings.DEBUG = False  # no query log while timing, as in production
        samples: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
        names = list(configs)
        for round_no in range(args.repeat):
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                ds, due = configs[name]
                samples[name].append(sweep_once(ds, due))
            log(
                f"round {round_no + 1}/{args.repeat}: "
                + ", ".join(f"{n} {samples[n][-1]['ms']:.1f} ms" for n in names)
            )

        explain["big_due_after_rounds"] = explain_candidates(big, args.due)
        churned: dict[str, Any] = {}
        if args.churn:
            log(f"churn: {args.churn:,} dead index entries below now")
            churn(big, args.churn)
            explain["big_due_churned"] = explain_candidates(big, args.due)
            runs = [sweep_once(big, args.due) for _ in range(args.repeat)]
            churned["dead"] = summarize(runs)
            churned["vacuum_s"] = round(unchurn(big), 1)
            explain["big_due_vacuumed"] = explain_candidates(big, args.due)
            runs = [sweep_once(big, args.due) for _ in range(args.repeat)]
            churned["vacuumed"] = summarize(runs)
            churned["count"] = args.churn
            log(
                f"churn: {churned['dead']['median_ms']:.1f} ms with dead entries, "
                f"{churned['vacuumed']['median_ms']:.1f} ms after VACUUM "
                f"({churned['vacuum_s']} s)"
            )

        if args.profile:
            text = profile_sweep(big, args.due)
            if high:
                text += "\n\n==== " + f"{high} due ====\n" + profile_sweep(big, high)
            PROFILE_OUT.parent.mkdir(parents=True, exist_ok=True)
            PROFILE_OUT.write_text(text)
            log(f"profile written to {PROFILE_OUT}")

        summary = {name: summarize(runs) for name, runs in samples.items()}
        ratios = {
            "big_vs_small_due": paired(samples["big_due"], samples["small_due"]),
            "big_vs_small_0": paired(samples["big_0"], samples["small_0"]),
            "due_vs_0": paired(samples["big_due"], samples["big_0"]),
        }
        if high:
            ratios["high_vs_due"] = paired(samples["big_high"], samples["big_due"])
        report = {
            "benchmark": "sla_sweep",
            "source": source,
            "machine": machine(),
            "settings": {
                "cases": args.cases,
                "small_cases": small_cases,
                "due": args.due,
                "due_high": high,
                "repeat": args.repeat,
                "window_hours": args.window_hours,
                "sweep_batch": settings.SLA_SWEEP_BATCH,
                "now": NOW.isoformat(),
                "quick": args.quick,
            },
            "target_ms": 200,
            "target_met": summary["big_due"]["median_ms"] < 200,
            "datasets": {
                key: {
                    "database": ds.dbname,
                    "sizes": sizes[key],
                    "meta": {k: v for k, v in ds.meta.items() if k != "due_cases"},
                }
                for key, ds in datasets.items()
            },
            "summary": summary,
            "ratios": ratios,
            "checks": checks,
            "explain": explain,
            "churn": churned,
            "samples": samples,
        }
        report["duration_s"] = round(time.time() - started, 1)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        print_report(report)
        log(f"done in {report['duration_s']} s; results in {args.json}")


if __name__ == "__main__":
    main()
