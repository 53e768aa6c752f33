"""Benchmark the staff console's case list and dashboard against django-helpdesk 2.6's.

The issue: "staff case list (first and a deep page) and the dashboard, with 10,000 and 100,000
cases in PostgreSQL, side by side in the same run with django-helpdesk 2.6's ticket list and
dashboard on the same data volume. Target: each of our pages at least 5x faster, and flat from
10,000 to 100,000 cases."

What the script does, in one run:

1. For each size N, creates fresh databases for aftersales and for django-helpdesk and runs each
   one's migrations. django-helpdesk lives in its own virtual environment `bench/.venv-helpdesk`
   with the project bench/helpdesk_project/ (both set up as bench_case_create.py does).
2. Loads N cases / N tickets with SQL (`INSERT ... SELECT ... FROM generate_series`):
   - aftersales: ~15 % open (the open statuses weighted as in bench_sla_sweep.py), ~13 %
     resolved, ~72 % closed; types, severities, channels, 30 customers with contacts, contracts
     and assets, 15 staff as assignees in 3 teams. The few reference rows are created through the
     product's services; the policy of every kind of case is the product's `policy_decide`, and
     its clock rows are computed by the product's clock code (bench_sla_sweep.ClockFactory:
     `_refresh` and `clockmath`, replaying the sweeps up to now) on a grid of report times, then
     copied to the cases by a join. Open cases carry their `sla_due_at` / `sla_state` summary as
     the product's `summarize` computes it from those clocks, pauses for waiting cases, the
     `sla_policy_id` / `sla_facts` columns, a timeline (created, assignment, policy, status
     changes) and clock events. Closed and resolved cases (reported over the past year) carry met
     clocks computed the same way on a one-week grid and shifted by whole weeks.
   - django-helpdesk: the same shares of open (open/reopened), resolved and closed tickets over 8
     queues, assigned to 13 staff users (some unassigned), with the same Chinese titles, and 2-4
     follow-ups per ticket.
   Then VACUUM (ANALYZE) on both.
3. Serves both with gunicorn (the same number of sync workers each; DEBUG off, PostgreSQL with
   persistent connections), logs in through each one's login form, and times over HTTP (wall time
   of one request on a fresh connection, the body read to the end):
   - aftersales: the dashboard `/console/`; the case list's first page `/console/cases/` (open
     cases, nearest due first); a deep page (the `next` link followed 20 pages deep); a filter
     (`?severity=C-1&queue=all`); a search (`?search=掉线`, a 2-character substring of one
     summary in 16).
   - django-helpdesk: its dashboard `/dashboard/`; its ticket list `/tickets/` (default filters:
     open and reopened, sorted by creation) *plus* the `datatables_ticket_list` JSON that the
     page's DataTable then requests (a user waits for both); a deep page (the JSON alone, as the
     DataTable pages with XHR, at the same row offset as our deep page); the list filtered by
     priority 1 (open) and searched for the same text, each page + JSON.
   Every (system, size, page) is warmed up, then timed once per round over `--repeat` rounds,
   interleaved in rotated order so that noise hits all alike; the report gives medians and
   ratios of paired rounds (helpdesk / aftersales per page and size; largest / smallest size).
4. Counts the SQL statements of each of our pages (Django's test client in-process with
   CaptureQueriesContext against the same database), times each page in-process (and the part
   spent in SQL), runs `EXPLAIN (ANALYZE, BUFFERS)` on each page's slowest statements and writes a
   cProfile of the pages at the largest size to bench/results/console_profile.txt.
5. Prints Markdown tables for docs/PERFORMANCE.md, writes bench/results/console.json, stops the
   servers and drops the databases (unless `--keep`).

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_console.py [--quick] [--sizes 10000,100000] [--repeat N]
        [--workers N] [--rev REV] [--keep] [--reuse]
`--quick`: sizes 2,000 and 20,000, 3 rounds (a smoke run). `--rev` measures a committed revision
(exported with `git archive`) instead of the working tree. `--keep` keeps the databases and
`--reuse` measures databases kept by an earlier `--keep` run of the same sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HELPDESK_VENV = BENCH / ".venv-helpdesk"
HELPDESK_BIN = HELPDESK_VENV / "bin"
HELPDESK_PROJECT = BENCH / "helpdesk_project"
RESULTS = BENCH / "results" / "console.json"
PROFILE_OUT = BENCH / "results" / "console_profile.txt"

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
CREATE_DB = (
    "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
)
OURS_DB = "aftersales_bench_console_{n}"
HELPDESK_DB = "helpdesk_bench_console_{n}"

PASSWORD = "tundra-Lantern-5931"  # noqa: S105 -- throwaway accounts in throwaway databases
OURS_USER = "bench_console_agent"
HD_USER = "bench_agent"
HD_EMAIL = "agent@example.com"

SEARCH = "掉线"  # in one summary of the 16 below, in no description, customer or contact name
DEPTH = 20  # the deep page: the `next` link followed this many times (page DEPTH + 1)
OPEN_SHARE, RESOLVED_SHARE = 0.15, 0.13  # the rest is closed
WINDOW_HOURS = 168  # open cases were reported over the last week
CLOSED_WEEKS = 52  # closed and resolved ones over the year before
RESOLUTION_HOURS = (4, 26, 74)  # report to closure of a closed case (resolved at 90 %)
N_CUSTOMERS = 30

SUMMARIES = [
    "核心交换机端口频繁掉线",
    "存储阵列控制器告警",
    "服务器电源模块故障",
    "UPS 电池需要更换",
    "防火墙策略咨询",
    "数据库备份任务失败",
    "无线 AP 无法上线",
    "打印机卡纸并报错",
    "CT 机工作站无法开机",
    "机房空调温度过高",
    "核磁共振设备软件升级",
    "路由器配置变更申请",
    "硬盘 RAID 降级告警",
    "视频会议终端无声音",
    "负载均衡健康检查异常",
    "磁带库机械臂卡住",
]
DESCRIPTIONS = [
    "客户报告设备自昨晚起工作异常，已做初步排查：检查线缆与电源，查看设备日志，未见明确告警。"
    "请安排工程师远程诊断，必要时上门处理并更换备件。",
    "用户来电反映业务受影响，已远程登录查看运行状态并收集日志，初步判断为硬件问题，"
    "需要工程师到现场确认并准备备件。",
    "客户邮件咨询，希望了解升级方案与停机时间窗口，请技术支持给出书面建议。",
    "巡检发现异常指标，已通知客户值班人员，待进一步分析原因后安排处理。",
]
CUSTOMER_NAMES = [
    "上海市第一人民医院",
    "复旦大学附属华山医院",
    "浙江大学医学院附属第一医院",
    "江苏省人民医院",
    "南京鼓楼医院",
    "杭州市第一人民医院",
    "苏州大学附属第一医院",
    "宁波市医疗中心李惠利医院",
    "安徽省立医院",
    "福建医科大学附属协和医院",
    "北京协和医院",
    "天津医科大学总医院",
    "山东大学齐鲁医院",
    "河北医科大学第二医院",
    "中国银行上海分行",
    "招商银行杭州分行",
    "上海证券交易所技术公司",
    "浦东国际机场",
    "上海地铁运营公司",
    "国家电网华东分部",
    "中国移动江苏公司",
    "华东师范大学",
    "同济大学",
    "上海交通大学",
    "南京大学",
    "宁波港集团",
    "苏州工业园区管委会",
    "无锡市政务服务中心",
    "合肥市公安局",
    "厦门航空",
]
TYPES = [  # case type, weight
    ("fault", 0.50), ("consultation", 0.10), ("remote_support", 0.10), ("maintenance", 0.08),
    ("installation", 0.05), ("warranty_claim", 0.05), ("complaint", 0.04),
    ("return_exchange", 0.03), ("upgrade", 0.03), ("visit", 0.02),
]  # fmt: skip
LEVELS = [("7x24", 0.30), ("5x8", 0.50), ("", 0.20)]  # contract level of the asset ("": none)
SEVERITY_PRIORITY = {"C-1": 1, "C-2": 2, "C-3": 3}  # helpdesk's priority for our severity
SLOTS = 10_000

OURS_PAGES = ["dashboard", "list", "list_deep", "filter", "search"]
PAGE_LABELS = {
    "dashboard": "dashboard",
    "list": "case list, first page",
    "list_deep": f"case list, page {DEPTH + 1}",
    "filter": "list filtered (severity C-1)",
    "search": f"list searched ({SEARCH})",
}
HD_LABELS = {
    "dashboard": "`/dashboard/`",
    "list": "`/tickets/` + JSON",
    "list_deep": "JSON at the same row",
    "filter": "`?priority=1` + JSON",
    "search": f"`?q={SEARCH}` + JSON",
}
FLAT_MAX = 1.25  # "flat": the largest size costs at most this much more than the smallest
TARGET_RATIO = 5.0


def out(line: str = "") -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(line: str) -> None:
    """Write one progress line to stderr (stdout carries only the report)."""
    sys.stderr.write(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {line}\n")
    sys.stderr.flush()


def shape(statement: str) -> str:
    """Return a short label of a statement: its verb and first table."""
    words = statement.split()
    if not words:
        return ""
    if words[0] == "SELECT" and " FROM " in statement:
        table = statement.split(" FROM ", 1)[1].split()[0].strip('"')
        return f"SELECT … FROM {table}"  # noqa: S608 -- a label, not a query
    return " ".join(words[:3])[:60]


# =================================================================================================
# Child modes. They run in a fresh process: ours in the project's venv with DATABASE_URL set,
# helpdesk's in bench/.venv-helpdesk; each prints one JSON document on its last line.
# =================================================================================================


def _django_setup() -> None:
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise
    import django

    django.setup()


def _sql(statement: str, params: Any = None) -> list[Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _copy_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _weighted_slots(weights: list[float]) -> list[tuple[int, int]]:
    """Spread SLOTS slots over the indexes of ``weights`` in proportion."""
    total = sum(weights)
    slots: list[tuple[int, int]] = []
    acc = 0.0
    for index, weight in enumerate(weights):
        first = round(acc / total * SLOTS)
        acc += weight
        slots += [(s, index) for s in range(first, round(acc / total * SLOTS))]
    return slots


def _ours_fixtures() -> dict[str, Any]:
    """Create the rows every case refers to, through the product's services."""
    import datetime as dt

    from aftersales.accounts.models import Team
    from aftersales.accounts.services import user_create
    from aftersales.catalog.services import asset_create, contract_create, product_create
    from aftersales.customers.services import contact_create, customer_create, region_create

    supervisors = [
        user_create(by=None, username=f"bench_supervisor_{i}", role="supervisor") for i in range(3)
    ]
    regions = [
        region_create(by=None, code=f"BENCH-{code}", name=name, supervisor=supervisors[i])
        for i, (code, name) in enumerate(
            [("EAST", "华东区"), ("NORTH", "华北区"), ("SOUTH", "华南区")]
        )
    ]
    agent = user_create(
        by=None, username=OURS_USER, role="agent", password=PASSWORD, language="zh-hans"
    )
    agents = [agent] + [
        user_create(by=None, username=f"bench_agent_{i}", role="agent") for i in range(1, 3)
    ]
    engineers = [
        user_create(by=None, username=f"bench_engineer_{i:02d}", role="engineer") for i in range(12)
    ]
    teams = []
    for i, region in enumerate(regions):
        team = Team.objects.create(
            code=f"bench-team-{i}",
            name=f"{region.name}现场组",
            lead=engineers[4 * i],
            region=region,
        )
        team.members.add(*engineers[4 * i : 4 * i + 4])
        teams.append(team)
    teams[0].members.add(agent)
    products = [
        product_create(by=None, code=f"BENCH-P{i}", name=name, category=category)
        for i, (name, category) in enumerate(
            [("核心交换机 S9700", "network"), ("存储阵列 OceanStor", "storage"),
             ("服务器 RH2288", "server"), ("UPS 5000-E", "power")]
        )
    ]  # fmt: skip
    customers, contacts, assets = [], [], []
    for i in range(N_CUSTOMERS):
        customer = customer_create(
            by=None, code=f"BENCH-C{i:03d}", name=CUSTOMER_NAMES[i], region=regions[i % 3]
        )
        customers.append(customer)
        contacts.append(
            [
                contact_create(
                    by=None, customer=customer, name=f"联系人{i:02d}{j}",
                    phone=f"021-6{i:03d}{j:04d}", mobile=f"139{i:04d}{j:04d}",
                    email=f"contact{j}@c{i:03d}.example.com",
                )
                for j in range(2)
            ]
        )  # fmt: skip
        for level, _weight in LEVELS:
            contract = None
            if level:
                contract = contract_create(
                    by=None, number=f"BENCH-C{i:03d}-{level.upper()}", customer=customer,
                    service_level=level, start_date=dt.date(2024, 1, 1),
                    end_date=dt.date(2029, 12, 31), hardware_warranty_months=60,
                )  # fmt: skip
            asset = None
            if level:
                asset = asset_create(
                    by=None, serial_number=f"BENCH-SN{i:03d}-{level.upper()}",
                    product=products[i % len(products)], customer=customer, contract=contract,
                    purchase_date=dt.date(2024, 6, 1),
                )  # fmt: skip
            assets.append((i, level, asset, contract))
    return {
        "agent": agent,
        "agents": agents,
        "engineers": engineers,
        "teams": teams,
        "customers": customers,
        "contacts": contacts,
        "assets": assets,
    }


def child_load_ours(args: argparse.Namespace) -> None:
    """Fill the (migrated) database with ``args.cases`` cases; print what was loaded."""
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    _django_setup()
    import bench_sla_sweep as sw  # reused: ClockFactory, decide, open statuses, grid helpers

    if os.environ.get("CONSOLE_BENCH_SRC"):  # bench_sla_sweep puts the working tree first
        sys.path.insert(0, os.environ["CONSOLE_BENCH_SRC"])
    from django.db import connection, transaction

    from aftersales.sla.services import explain
    from aftersales.sla.services.clocks import summarize

    began = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal began
        now_ = time.perf_counter()
        timings[name] = round(now_ - began, 2)
        began = now_
        log(f"  ours {args.cases:,}: {name} {timings[name]:.1f} s")

    tz = ZoneInfo("Asia/Shanghai")
    now = datetime.now(tz).replace(second=0, microsecond=0)
    fx = _ours_fixtures()
    factory = sw.ClockFactory()
    # Resolved and closed cases: every clock met (response as the product does, the others part
    # way through the case's life; restore at 90 %, when the case was resolved).
    sw.MODES.setdefault(
        "resolved", dict.fromkeys(("response", "confirm", "onsite", "restore"), sw.MET)
    )
    sw.MET_AT.setdefault("restore", 0.9)

    # The policy decision of each kind of case (type x severity x contract level), with the
    # first customer's asset and contract; policies do not depend on the customer.
    first = {level: (asset, contract) for i, level, asset, contract in fx["assets"] if i == 0}
    decisions: dict[tuple[str, str, str], Any] = {}
    for case_type, _wt in TYPES:
        for severity, _ws in sw.SEVERITIES:
            for level, _wc in LEVELS:
                asset, contract = first[level]
                holder = SimpleNamespace(
                    customer=fx["customers"][0],
                    contracts={level: contract},
                    assets={level: asset},
                )
                decisions[(case_type, severity, level)] = sw.decide(
                    holder, case_type, severity, level, now
                )
    statuses = [(s, OPEN_SHARE * w, True) for s, w in sw.STATUSES] + [
        ("resolved", RESOLVED_SHARE, False),
        ("closed", 1 - OPEN_SHARE - RESOLVED_SHARE, False),
    ]
    profiles: list[tuple[Any, ...]] = []
    weights: list[float] = []
    clock_profiles: dict[tuple[int, str, str], int] = {}
    for case_type, wt in TYPES:
        for severity, ws in sw.SEVERITIES:
            for level, wc in LEVELS:
                decision = decisions[(case_type, severity, level)]
                policy = decision.policy
                has_confirm = any(k == "confirm" for k, _t in factory.targets(policy, severity))
                for status, wst, is_open in statuses:
                    mode = status if is_open else "resolved"
                    key = (policy.pk, severity if has_confirm else "", mode)
                    cp = clock_profiles.setdefault(key, len(clock_profiles))
                    sla_data = {
                        "policy": policy.code,
                        "policy_name": policy.name,
                        "facts": decision.facts,
                        "targets": [k for k, _t in factory.targets(policy, severity)],
                    }
                    profiles.append(
                        (
                            len(profiles), case_type, severity, status, level, is_open, cp,
                            policy.pk, json.dumps(decision.facts),
                            explain(decision.facts, policy.name), json.dumps(sla_data),
                        )
                    )  # fmt: skip
                    weights.append(wt * ws * wc * wst)
    policies = {d.policy.pk: d.policy for d in decisions.values()}

    # Clock rows and case summaries of every (clock profile, report instant).
    step = timedelta(minutes=args.grid_minutes)
    open_grid = [now - step * (i + 1) for i in range(int(WINDOW_HOURS * 60 / args.grid_minutes))]
    base = now - timedelta(hours=WINDOW_HOURS + 24)
    closed_grid = [  # (report instant, closed instant) on one week; cases shift by whole weeks
        (base - timedelta(hours=8 * j), base - timedelta(hours=8 * j) + timedelta(hours=h))
        for j in range(21)
        for h in RESOLUTION_HOURS
    ]
    open_rows, closed_rows, summaries = [], [], []
    for (policy_pk, severity, mode), cp in clock_profiles.items():
        policy = policies[policy_pk]
        if mode != "resolved":
            for r_idx, start in enumerate(open_grid):
                rows = factory.case_clocks(
                    policy=policy, severity=severity or "C-3", status=mode, start=start, until=now
                )
                for order, row in enumerate(rows):
                    open_rows.append((cp, r_idx, order, *(row[c] for c in sw.CLOCK_COLUMNS)))
                due, state = summarize([SimpleNamespace(**row) for row in rows])
                summaries.append((cp, r_idx, due, str(state)))
        else:
            for c_idx, (start, until) in enumerate(closed_grid):
                rows = factory.case_clocks(
                    policy=policy, severity=severity or "C-3", status=mode, start=start, until=until
                )
                for order, row in enumerate(rows):
                    closed_rows.append((cp, c_idx, order, *(row[c] for c in sw.CLOCK_COLUMNS)))
    lap(
        f"clock templates ({len(open_rows) + len(closed_rows):,} rows, "
        f"{factory.computed:,} computed)"
    )

    clock_cols_sql = (
        "target text, policy_id bigint, calendar_id bigint, duration_seconds int, "
        "warning_percent smallint, started_at timestamptz, due_at timestamptz, warn_at "
        "timestamptz, next_event_at timestamptz, state text, is_paused bool, warned_at "
        "timestamptz, breached_at timestamptz, met_at timestamptz, cancelled_at timestamptz, "
        "elapsed_seconds int, escalation_level smallint"
    )
    for statement in [
        "CREATE TABLE bench_profile (profile int PRIMARY KEY, case_type text, severity text, "
        "status text, level text, is_open bool, clock_profile int, policy_id bigint, facts jsonb, "
        "sla_note text, sla_data jsonb)",
        "CREATE TABLE bench_slot (slot int PRIMARY KEY, profile int)",
        "CREATE TABLE bench_open_instant (r_idx int PRIMARY KEY, reported_at timestamptz, "
        "responded_at timestamptz, pause_at timestamptz)",
        "CREATE TABLE bench_closed_instant (c_idx int PRIMARY KEY, reported_at timestamptz, "
        "closed_at timestamptz)",
        f"CREATE TABLE bench_open_clock (clock_profile int, r_idx int, ord int, {clock_cols_sql})",
        "CREATE TABLE bench_closed_clock (clock_profile int, c_idx int, ord int, "
        f"{clock_cols_sql})",
        "CREATE TABLE bench_summary (clock_profile int, r_idx int, due timestamptz, state text, "
        "PRIMARY KEY (clock_profile, r_idx))",
        "CREATE TABLE bench_customer (c_idx int PRIMARY KEY, customer_id bigint, contact_a bigint, "
        "contact_b bigint)",
        "CREATE TABLE bench_asset (c_idx int, level text, asset_id bigint, contract_id bigint, "
        "serial text, contract_number text, PRIMARY KEY (c_idx, level))",
        "CREATE TABLE bench_staff (idx int PRIMARY KEY, user_id bigint, username text)",
    ]:
        _sql(statement)
    _copy_rows(
        "bench_profile",
        ["profile", "case_type", "severity", "status", "level", "is_open", "clock_profile",
         "policy_id", "facts", "sla_note", "sla_data"],
        profiles,
    )  # fmt: skip
    _copy_rows("bench_slot", ["slot", "profile"], _weighted_slots(weights))
    _copy_rows(
        "bench_open_instant",
        ["r_idx", "reported_at", "responded_at", "pause_at"],
        [(i, s, sw.responded_at(s, now), sw.pause_at(s, now)) for i, s in enumerate(open_grid)],
    )
    _copy_rows(
        "bench_closed_instant",
        ["c_idx", "reported_at", "closed_at"],
        [(i, s, u) for i, (s, u) in enumerate(closed_grid)],
    )
    _copy_rows("bench_open_clock", ["clock_profile", "r_idx", "ord", *sw.CLOCK_COLUMNS], open_rows)
    _copy_rows(
        "bench_closed_clock", ["clock_profile", "c_idx", "ord", *sw.CLOCK_COLUMNS], closed_rows
    )
    _copy_rows("bench_summary", ["clock_profile", "r_idx", "due", "state"], summaries)
    _copy_rows(
        "bench_customer",
        ["c_idx", "customer_id", "contact_a", "contact_b"],
        [
            (i, c.pk, fx["contacts"][i][0].pk, fx["contacts"][i][1].pk)
            for i, c in enumerate(fx["customers"])
        ],
    )
    _copy_rows(
        "bench_asset",
        ["c_idx", "level", "asset_id", "contract_id", "serial", "contract_number"],
        [
            (i, level, a.pk if a else None, k.pk if k else None, a.serial_number if a else None,
             k.number if k else None)
            for i, level, a, k in fx["assets"]
        ],
    )  # fmt: skip
    staff = fx["engineers"] + [fx["agent"]]  # assignees: the agent gets 1 case in 13
    _copy_rows(
        "bench_staff",
        ["idx", "user_id", "username"],
        [(i, u.pk, u.username) for i, u in enumerate(staff)],
    )
    _sql(
        "CREATE INDEX ON bench_open_clock (clock_profile, r_idx); "
        "CREATE INDEX ON bench_closed_clock (clock_profile, c_idx)"
    )
    _sql("ANALYZE bench_profile, bench_slot, bench_open_instant, bench_closed_instant, "
         "bench_open_clock, bench_closed_clock, bench_summary, bench_customer, bench_asset, "
         "bench_staff")  # fmt: skip

    def h(salt: int, m: int) -> str:
        return f"mod(hashint4(g + {salt}) & 2147483647, {m})"

    arr = "ARRAY[" + ",".join("'" + s.replace("'", "''") + "'" for s in SUMMARIES) + "]"
    descs = "ARRAY[" + ",".join("'" + s + "'" for s in DESCRIPTIONS) + "]"
    channels = "ARRAY[" + ",".join(f"'{c}'" for c in sw.CHANNELS) + "]"
    agents = "ARRAY[" + ",".join(str(a.pk) for a in fx["agents"]) + "]::bigint[]"
    teams = "ARRAY[" + ",".join(str(t.pk) for t in fx["teams"]) + "]::bigint[]"
    n_staff, k_open, k_closed = len(staff), len(open_grid), len(closed_grid)
    with transaction.atomic():
        # Foreign keys are checked by deferred triggers, one per row and key, at commit; the
        # rows are consistent by construction, so the load skips them (as bench_sla_sweep does).
        _sql("SET LOCAL session_replication_role = replica")
        _sql("SET LOCAL work_mem = '256MB'")
        _sql(
            f"""
            CREATE TABLE bench_rows AS
            SELECT g, p.profile, p.case_type, p.severity, p.status, p.level, p.is_open,
                p.clock_profile, p.policy_id, p.facts, p.sla_note, p.sla_data,
                {h(7777777, k_open)} AS r_idx, {h(5555555, k_closed)} AS c_idx,
                CASE WHEN p.is_open THEN 0 ELSE {h(3333333, CLOSED_WEEKS)} END AS week,
                CASE WHEN p.is_open THEN oi.reported_at
                     ELSE ci.reported_at - make_interval(weeks => {h(3333333, CLOSED_WEEKS)})
                END AS reported_at,
                ci.closed_at - ci.reported_at AS life,
                oi.responded_at AS open_responded_at, oi.pause_at,
                cu.customer_id,
                CASE WHEN mod(g, 3) = 0 THEN NULL WHEN mod(g, 3) = 1 THEN cu.contact_a
                    ELSE cu.contact_b END AS contact_id,
                a.asset_id, a.contract_id, a.serial, a.contract_number,
                CASE WHEN p.status = 'new' AND mod(g, 2) = 0 THEN NULL ELSE st.user_id END
                    AS assignee_id,
                st.username,
                ({agents})[1 + {h(1212121, len(fx["agents"]))}] AS created_by_id,
                ({teams})[1 + {h(4444444, len(fx["teams"]))}] AS team_id,
                sm.due AS sla_due_at, coalesce(sm.state, 'none') AS sla_state,
                ({channels})[1 + {h(2323232, len(sw.CHANNELS))}] AS channel,
                ({arr})[1 + mod(g, {len(SUMMARIES)})] AS summary,
                ({descs})[1 + {h(9191919, len(DESCRIPTIONS))}] AS description,
                NULL::bigint AS case_id
            FROM generate_series(1, %s) AS g
            JOIN bench_slot s ON s.slot = {h(0, SLOTS)}
            JOIN bench_profile p ON p.profile = s.profile
            JOIN bench_open_instant oi ON oi.r_idx = {h(7777777, k_open)}
            JOIN bench_closed_instant ci ON ci.c_idx = {h(5555555, k_closed)}
            LEFT JOIN bench_summary sm ON p.is_open AND sm.clock_profile = p.clock_profile
                AND sm.r_idx = {h(7777777, k_open)}
            JOIN bench_customer cu ON cu.c_idx = {h(1111111, N_CUSTOMERS)}
            JOIN bench_asset a ON a.c_idx = cu.c_idx AND a.level = p.level
            JOIN bench_staff st ON st.idx = {h(8888888, n_staff)}
            """,  # noqa: S608 -- our own constants and integers
            [args.cases],
        )
        _sql("CREATE UNIQUE INDEX ON bench_rows (g)")
        _sql(
            """
            INSERT INTO cases_case (created_at, updated_at, number, status, case_type, channel,
                severity, summary, description, reported_at, resolution, responded_at,
                resolved_at, closed_at, reopen_count, version, asset_id, assignee_id, contact_id,
                contract_id, created_by_id, customer_id, site_id, team_id, arrived_at, cause,
                cause_confirmed_at, sla_facts, sla_policy_id, sla_due_at, sla_state, search_grams)
            SELECT reported_at,
                CASE WHEN is_open THEN greatest(reported_at, coalesce(open_responded_at,
                    reported_at)) ELSE reported_at + life END,
                'SR-' || to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-'
                    || lpad(g::text, 6, '0'),
                status, case_type, channel, severity, summary, description, reported_at,
                CASE WHEN is_open THEN '' ELSE '已更换故障部件，业务恢复正常，客户确认。' END,
                CASE WHEN is_open THEN (CASE WHEN status = 'new' THEN NULL
                    ELSE open_responded_at END)
                    ELSE reported_at + least(interval '20 minutes', life / 4) END,
                CASE WHEN is_open THEN NULL ELSE reported_at + life * 0.9 END,
                CASE WHEN status = 'closed' THEN reported_at + life END,
                0, CASE WHEN is_open THEN 1 + mod(g, 5) ELSE 6 + mod(g, 4) END,
                asset_id, assignee_id, contact_id, contract_id, created_by_id, customer_id, NULL,
                team_id, NULL,
                CASE WHEN is_open AND status IN ('new', 'responded', 'diagnosing') THEN ''
                     ELSE '板卡故障' END,
                CASE WHEN is_open AND status IN ('new', 'responded', 'diagnosing') THEN NULL
                     WHEN is_open THEN reported_at ELSE reported_at + life * 0.5 END,
                facts || jsonb_build_object(
                    'date', to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                    'contract', contract_number, 'asset', serial),
                policy_id, sla_due_at, sla_state, ''
            FROM bench_rows ORDER BY reported_at, g
            """
        )
        _sql(
            "UPDATE bench_rows r SET case_id = c.id FROM cases_case c "
            "WHERE c.number = 'SR-' || to_char(r.reported_at AT TIME ZONE 'Asia/Shanghai', "
            "'YYYY') || '-' || lpad(r.g::text, 6, '0')"
        )
        lap(f"cases ({args.cases:,})")
        cols = ", ".join(sw.CLOCK_COLUMNS)
        times = {"started_at", "due_at", "warn_at", "next_event_at", "warned_at", "breached_at",
                 "met_at", "cancelled_at"}  # fmt: skip
        shifted = ", ".join(
            f"t.{c} - make_interval(weeks => r.week)" if c in times else f"t.{c}"
            for c in sw.CLOCK_COLUMNS
        )
        _sql(
            f"""
            INSERT INTO sla_slaclock (case_id, {cols})
            SELECT case_id, {cols} FROM (
                SELECT r.case_id, t.ord, {", ".join("t." + c for c in sw.CLOCK_COLUMNS)}
                FROM bench_rows r JOIN bench_open_clock t
                  ON t.clock_profile = r.clock_profile AND t.r_idx = r.r_idx
                WHERE r.is_open
                UNION ALL
                SELECT r.case_id, t.ord, {shifted}
                FROM bench_rows r JOIN bench_closed_clock t
                  ON t.clock_profile = r.clock_profile AND t.c_idx = r.c_idx
                WHERE NOT r.is_open
            ) AS u ORDER BY case_id, ord
            """  # noqa: S608 -- our own constants
        )
        _sql(
            """
            INSERT INTO sla_slaclockevent (kind, at, status, reason, due_at, data, actor_id,
                clock_id)
            SELECT kind, at, '', '', due_at, data, NULL, id FROM (
                SELECT 'started' AS kind, started_at AS at, due_at, '{}'::jsonb AS data, id
                FROM sla_slaclock
                UNION ALL
                SELECT 'warning', warned_at, due_at, '{}', id FROM sla_slaclock
                WHERE warned_at IS NOT NULL
                UNION ALL
                SELECT 'breached', breached_at, due_at, '{}', id FROM sla_slaclock
                WHERE breached_at IS NOT NULL
                UNION ALL
                SELECT 'met', met_at, due_at, jsonb_build_object('elapsed_seconds',
                    elapsed_seconds), id FROM sla_slaclock WHERE met_at IS NOT NULL
            ) AS e ORDER BY id, at
            """
        )
        _sql(
            "INSERT INTO sla_slapause (case_id, started_at, ended_at, status) "
            "SELECT case_id, pause_at, NULL, 'waiting_customer' FROM bench_rows "
            "WHERE status = 'waiting_customer' ORDER BY case_id"
        )
        lap("clocks, clock events, pauses")
        _sql(
            """
            INSERT INTO cases_caseevent (kind, at, is_public, from_status, to_status, field,
                old_value, new_value, note, data, actor_id, case_id, comment_id)
            SELECT kind, at, is_public, from_status, to_status, field, '', new_value, note, data,
                actor_id, case_id, NULL
            FROM (
                SELECT 'created' AS kind, reported_at AS at, true AS is_public,
                    '' AS from_status, 'new' AS to_status, '' AS field, '' AS new_value,
                    '' AS note, jsonb_build_object('channel', channel, 'severity', severity,
                    'case_type', case_type, 'reported_at', reported_at) AS data,
                    created_by_id AS actor_id, case_id, 0 AS seq
                FROM bench_rows
                UNION ALL
                SELECT 'field_changed', reported_at, true, '', '', 'assignee', username, '', '{}',
                    created_by_id, case_id, 1
                FROM bench_rows WHERE assignee_id IS NOT NULL
                UNION ALL
                SELECT 'sla', reported_at, false, '', '', '', '', sla_note, sla_data,
                    created_by_id, case_id, 2
                FROM bench_rows
                UNION ALL
                SELECT 'status_changed', CASE WHEN is_open THEN open_responded_at
                    ELSE reported_at + least(interval '20 minutes', life / 4) END,
                    true, 'new', CASE WHEN is_open THEN status ELSE 'in_progress' END, '', '',
                    '', '{}', assignee_id, case_id, 3
                FROM bench_rows WHERE status <> 'new'
                UNION ALL
                SELECT 'status_changed', reported_at + life * 0.9, true, 'in_progress',
                    'resolved', '', '', '', '{}', assignee_id, case_id, 4
                FROM bench_rows WHERE NOT is_open
                UNION ALL
                SELECT 'status_changed', reported_at + life, true, 'resolved', 'closed', '', '',
                    '', '{}', assignee_id, case_id, 5
                FROM bench_rows WHERE status = 'closed'
            ) AS e ORDER BY case_id, seq
            """
        )
        lap("timeline events")
    for table in ["bench_rows", "bench_profile", "bench_slot", "bench_open_instant",
                  "bench_closed_instant", "bench_open_clock", "bench_closed_clock",
                  "bench_summary", "bench_customer", "bench_asset", "bench_staff"]:  # fmt: skip
        _sql(f"DROP TABLE {table}")
    # The search index (character bigrams) is what the product keeps on every write.
    from aftersales.cases.models import Case
    from aftersales.cases.services import case_search_refresh

    case_search_refresh(Case.objects.all())
    lap("search index")
    connection.close()
    _sql("VACUUM (ANALYZE)")
    lap("vacuum, analyze")
    counts = dict(_sql("SELECT status, count(*) FROM cases_case GROUP BY status ORDER BY status"))
    sizes = _sql(
        "SELECT (SELECT count(*) FROM sla_slaclock), (SELECT count(*) FROM cases_caseevent), "
        "(SELECT count(*) FROM sla_slaclockevent), pg_total_relation_size('cases_case'), "
        "pg_database_size(current_database())"
    )[0]
    sla_states = dict(
        _sql(
            "SELECT sla_state, count(*) FROM cases_case WHERE status IN ('new', 'responded', "
            "'diagnosing', 'dispatched', 'in_progress', 'waiting_customer', 'waiting_parts') "
            "GROUP BY 1 ORDER BY 1"
        )
    )
    out(
        json.dumps(
            {
                "cases": args.cases,
                "by_status": counts,
                "open_sla_states": sla_states,
                "clocks": sizes[0],
                "case_events": sizes[1],
                "clock_events": sizes[2],
                "cases_mb": round(sizes[3] / 2**20, 1),
                "database_mb": round(sizes[4] / 2**20, 1),
                "load_seconds": timings,
                "clock_rows_computed": factory.computed,
                "now": now.isoformat(),
            }
        )
    )


def child_setup_helpdesk(args: argparse.Namespace) -> None:
    """Create django-helpdesk's queues and staff users (ORM: password hashes, user settings)."""
    _django_setup()
    from django.contrib.auth.models import User
    from helpdesk.models import Queue

    queues = [
        Queue.objects.create(title=title, slug=f"q{i}", allow_public_submission=False)
        for i, title in enumerate(
            ["网络", "存储", "服务器", "电源与机房", "医疗设备", "软件", "安装调试", "投诉与咨询"]
        )
    ]
    agent = User.objects.create_user(HD_USER, email=HD_EMAIL, password=PASSWORD, is_staff=True)
    staff = [
        User.objects.create_user(f"bench_engineer_{i:02d}", email=f"e{i}@example.com",
                                 is_staff=True)
        for i in range(12)
    ]  # fmt: skip
    out(json.dumps({"queues": [q.pk for q in queues], "staff": [u.pk for u in staff + [agent]]}))


class SqlTimer:
    """An execute wrapper that sums the time spent in the database driver."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.count += 1


class StatementTimes:
    """An execute wrapper that keeps the wall time of each statement, in order."""

    def __init__(self) -> None:
        self.ms: list[float] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms.append((time.perf_counter() - began) * 1000)


def child_inspect(args: argparse.Namespace) -> None:
    """Query counts, in-process timings, EXPLAIN of slow statements and (optionally) profiles of
    the pages in ``args.pages`` (a JSON list of [name, path, ...]) through the test client."""
    import cProfile
    import io
    import pstats

    _django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = json.loads(Path(args.pages).read_text())
    user = get_user_model().objects.get(username=args.username)
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=True)
    client.force_login(user)
    headers = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    result: dict[str, Any] = {}
    profiles: list[str] = []
    for name, path in pages:
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        durations = StatementTimes()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(durations):
            client.get(path, **headers)
        statements = [  # CaptureQueriesContext's times are rounded to the millisecond
            {"sql": q["sql"], "ms": round(ms, 3)}
            for q, ms in zip(captured.captured_queries, durations.ms, strict=True)
        ]
        runs, sql_runs = [], []
        for _ in range(args.runs):
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                began = time.perf_counter()
                client.get(path, **headers)
                runs.append((time.perf_counter() - began) * 1000)
            sql_runs.append(timer.seconds * 1000)
        explains = []
        slow = sorted(
            (s for s in statements if s["sql"].lstrip().upper().startswith("SELECT")),
            key=lambda s: -s["ms"],
        )[: args.explain]
        for s in slow:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + s["sql"])
                plan = "\n".join(r[0] for r in cursor.fetchall())
            explains.append({"sql": s["sql"], "ms": s["ms"], "plan": plan})
        result[name] = {
            "path": path,
            "statements": len(statements),
            "statement_list": statements,
            "inprocess_ms": statistics.median(runs),
            "inprocess_sql_ms": statistics.median(sql_runs),
            "explain": explains,
        }
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(3):
                client.get(path, **headers)
            profiler.disable()
            buffer = io.StringIO()
            stats = pstats.Stats(profiler, stream=buffer)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("cumulative").print_stats("aftersales|template", 25)
            stats.sort_stats("tottime").print_stats(15)
            profiles.append(f"==== {name} {path} (3 requests) ====\n{buffer.getvalue()}")
    if args.profile:
        Path(args.profile).write_text("\n\n".join(profiles))
    out(json.dumps(result, ensure_ascii=False))


CHILD_MODES: dict[str, Callable[[argparse.Namespace], None]] = {
    "_load_ours": child_load_ours,
    "_setup_helpdesk": child_setup_helpdesk,
    "_inspect": child_inspect,
}


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(CHILD_MODES))
    parser.add_argument("--cases", type=int)
    parser.add_argument("--grid-minutes", type=int, default=10)
    parser.add_argument("--pages")
    parser.add_argument("--username")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--explain", type=int, default=3)
    parser.add_argument("--profile")
    args = parser.parse_args(argv)
    CHILD_MODES[args.mode](args)


# =================================================================================================
# The orchestrator: runs in the project's venv.
# =================================================================================================


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    """Run a command; return its stdout, or stop the benchmark with its output when it fails."""
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout[-4000:]}\n"
            f"{result.stderr[-4000:]}"
        )
    if result.stderr.strip():
        for line in result.stderr.strip().splitlines():
            if line.startswith("["):  # a child's progress line
                sys.stderr.write(line + "\n")
    return result.stdout


def last_json(text: str) -> Any:
    return json.loads([line for line in text.splitlines() if line.strip()][-1])


def pg(dbname: str, *statements: str, params: Any = None) -> list[Any]:
    """Run statements in autocommit on a fresh connection; return the last result's rows."""
    import psycopg

    rows: list[Any] = []
    with psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]  # our own SQL
            rows = cursor.fetchall() if cursor.description else []
    return rows


def recreate_database(name: str) -> None:
    pg("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", CREATE_DB.format(name=name))


def drop_database(name: str) -> None:
    with contextlib.suppress(Exception):
        pg("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def database_exists(name: str) -> bool:
    return bool(pg("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", params=[name]))


class Setup:
    """Where aftersales and django-helpdesk run from, and their environments."""

    def __init__(self, src: Path, workdir: Path):
        self.src = src
        self.static = workdir / "static"
        self.project_bin = Path(sys.executable).parent

    def ours_env(self, dbname: str) -> dict[str, str]:
        paths = ([str(self.src)] if self.src != ROOT else []) + [str(BENCH)]
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "DJANGO_SETTINGS_MODULE": "console_settings",
            "CONSOLE_BENCH_STATIC_ROOT": str(self.static),
            **({"CONSOLE_BENCH_SRC": str(self.src)} if self.src != ROOT else {}),
            "DATABASE_URL": f"{PG_SERVER}/{dbname}",
            "DEBUG": "false",
            "SECRET_KEY": "bench-console-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "AFTERSALES_SCHEDULER_ENABLED": "false",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore::UserWarning",
        }

    @staticmethod
    def helpdesk_env(dbname: str) -> dict[str, str]:
        return {
            **os.environ,
            "HELPDESK_BENCH_DB": dbname,
            "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings",
            "PYTHONPATH": str(HELPDESK_PROJECT),
        }

    def ours_child(self, dbname: str, *argv: str) -> Any:
        cmd = [sys.executable, str(Path(__file__).resolve()), *argv]
        return last_json(run(cmd, env=self.ours_env(dbname), cwd=self.src))

    def helpdesk_child(self, dbname: str, *argv: str) -> Any:
        cmd = [str(HELPDESK_BIN / "python"), str(Path(__file__).resolve()), *argv]
        return last_json(run(cmd, env=self.helpdesk_env(dbname), cwd=HELPDESK_PROJECT))

    def collectstatic(self) -> None:
        cmd = [str(self.project_bin / "aftersales"), "collectstatic", "--noinput", "-v", "0"]
        run(cmd, env=self.ours_env("postgres"), cwd=self.src)

    def migrate_ours(self, dbname: str) -> subprocess.Popen[str]:
        cmd = [str(self.project_bin / "aftersales"), "migrate", "--noinput", "-v", "0"]
        return subprocess.Popen(
            cmd, env=self.ours_env(dbname), cwd=self.src, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def migrate_helpdesk(self, dbname: str) -> subprocess.Popen[str]:
        cmd = [str(HELPDESK_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"]
        return subprocess.Popen(
            cmd, env=self.helpdesk_env(dbname), cwd=HELPDESK_PROJECT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip


def wait_all(processes: list[tuple[str, subprocess.Popen[str]]]) -> None:
    for name, process in processes:
        output, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"{name} failed:\n{output[-4000:]}")


def load_helpdesk(dbname: str, n: int, ids: dict[str, list[int]], now: datetime) -> dict[str, Any]:
    """Fill django-helpdesk's tables with ``n`` tickets and their follow-ups (SQL)."""
    began = time.perf_counter()
    queues = "ARRAY[" + ",".join(map(str, ids["queues"])) + "]"
    staff = "ARRAY[" + ",".join(map(str, ids["staff"])) + "]"
    titles = "ARRAY[" + ",".join("'" + s + "'" for s in SUMMARIES) + "]"
    descs = "ARRAY[" + ",".join("'" + s + "'" for s in DESCRIPTIONS) + "]"

    def h(salt: int, m: int) -> str:
        return f"mod(hashint4(g + {salt}) & 2147483647, {m})"

    open_cut = round(OPEN_SHARE * SLOTS)
    resolved_cut = round((OPEN_SHARE + RESOLVED_SHARE) * SLOTS)
    window = WINDOW_HOURS * 3600
    year = CLOSED_WEEKS * 7 * 86400
    pg(
        dbname,
        "SET session_replication_role = replica",
        f"""
        CREATE TABLE bench_ticket AS
        SELECT g, u, CASE WHEN u < {open_cut} THEN (CASE WHEN mod(g, 10) = 0 THEN 2 ELSE 1 END)
                          WHEN u < {resolved_cut} THEN 3 ELSE 4 END AS status,
            CASE WHEN u < {open_cut}
                 THEN %(now)s - make_interval(secs => {h(7777777, window)})
                 ELSE %(now)s - interval '{WINDOW_HOURS + 24} hours'
                      - make_interval(secs => {h(5555555, year)}) END AS created,
            make_interval(hours => (ARRAY{list(RESOLUTION_HOURS)})[1 + {h(4242424, 3)}]) AS life,
            CASE WHEN {h(1313131, 100)} < 10 THEN 1 WHEN {h(1313131, 100)} < 45 THEN 2
                 ELSE 3 END AS priority,
            ({queues})[1 + {h(6666666, len(ids["queues"]))}] AS queue_id,
            ({staff})[1 + {h(8888888, len(ids["staff"]))}] AS staff_id,
            CASE WHEN {h(2020202, 40)} = 0 THEN '{HD_EMAIL}'
                 ELSE 'contact' || {h(3030303, 2)} || '@c' || lpad({h(1111111, N_CUSTOMERS)}::text,
                      3, '0') || '.example.com' END AS submitter_email,
            ({titles})[1 + mod(g, {len(SUMMARIES)})] AS title,
            ({descs})[1 + {h(9191919, len(DESCRIPTIONS))}] AS description
        FROM (SELECT g, {h(0, SLOTS)} AS u FROM generate_series(1, {n}) AS g) AS s
        """,  # noqa: S608 -- our own constants and integers
        """
        INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold,
            description, resolution, priority, due_date, last_escalation, assigned_to_id,
            queue_id, secret_key, kbitem_id, merged_to_id)
        SELECT title, created,
            CASE WHEN status IN (1, 2) THEN least(%(now)s, created + interval '30 minutes')
                 ELSE created + life END,
            submitter_email, status, false, description,
            CASE WHEN status IN (3, 4) THEN '已更换故障部件，业务恢复正常，客户确认。' END,
            priority, NULL, NULL,
            CASE WHEN status IN (1, 2) AND mod(g, 8) = 0 THEN NULL ELSE staff_id END,
            queue_id, md5(g::text)::uuid::text, NULL, NULL
        FROM bench_ticket ORDER BY created, g
        """,  # noqa: S608
        "ALTER TABLE bench_ticket ADD COLUMN ticket_id int",
        "UPDATE bench_ticket b SET ticket_id = t.id FROM helpdesk_ticket t "
        "WHERE t.secret_key = md5(b.g::text)::uuid::text",
        """
        INSERT INTO helpdesk_followup (date, title, comment, public, new_status, ticket_id,
            user_id, message_id, time_spent, email_recipients)
        SELECT date, title, comment, public, new_status, ticket_id, user_id, NULL, NULL, NULL
        FROM (
            SELECT created AS date, 'Ticket Opened' AS title, description AS comment,
                true AS public, NULL::int AS new_status, ticket_id, NULL::int AS user_id, 0 AS seq
            FROM bench_ticket
            UNION ALL
            SELECT least(%(now)s, created + interval '20 minutes'), 'Comment',
                '已联系客户，正在远程排查。', true, NULL, ticket_id, staff_id, 1
            FROM bench_ticket
            UNION ALL
            SELECT least(%(now)s, created + interval '25 minutes'), 'Comment',
                '内部备注：已申请备件。', false, NULL, ticket_id, staff_id, 2
            FROM bench_ticket WHERE mod(g, 2) = 0
            UNION ALL
            SELECT created + life * 0.9, 'Resolved', '已更换故障部件，业务恢复正常。', true, 3,
                ticket_id, staff_id, 3
            FROM bench_ticket WHERE status IN (3, 4)
            UNION ALL
            SELECT created + life, 'Closed', '客户确认关闭。', true, 4, ticket_id, staff_id, 4
            FROM bench_ticket WHERE status = 4
        ) AS f ORDER BY ticket_id, seq
        """,  # noqa: S608
        "DROP TABLE bench_ticket",
        params={"now": now},
    )
    load_s = time.perf_counter() - began
    pg(dbname, "VACUUM (ANALYZE)")
    counts = dict(pg(dbname, "SELECT status, count(*) FROM helpdesk_ticket GROUP BY 1 ORDER BY 1"))
    followups = pg(dbname, "SELECT count(*) FROM helpdesk_followup")[0][0]
    return {
        "tickets": n,
        "by_status": {str(k): v for k, v in counts.items()},
        "followups": followups,
        "load_seconds": round(load_s, 2),
        "vacuum_analyze_seconds": round(time.perf_counter() - began - load_s, 2),
    }


# --- HTTP -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """A logged-in user agent for one server: cookies, one fresh connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, path: str, *, method: str = "GET", form: dict[str, str] | None = None,
        xhr: bool = False,
    ) -> tuple[int, bytes, float, str]:  # fmt: skip
        """Return (status, body, wall ms, Location) of one request on a new connection."""
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "bench-console/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if xhr:
            headers["X-Requested-With"] = "XMLHttpRequest"
            headers["Accept"] = "application/json, text/javascript, */*; q=0.01"
        began = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        ms = (time.perf_counter() - began) * 1000
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, ms, response.headers.get("Location", "")

    def get(self, path: str, *, xhr: bool = False) -> tuple[bytes, float]:
        status, body, ms, _location = self.request(path, xhr=xhr)
        if status != 200:
            raise SystemExit(f"GET {path} on :{self.port} answered {status}")
        return body, ms

    def login(self, path: str, username: str, next_path: str) -> None:
        status, body, _ms, _loc = self.request(path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or match is None:
            raise SystemExit(f"login form at {path}: {status}")
        form = {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": PASSWORD,
            "next": next_path,
        }
        status, body, _ms, location = self.request(path, method="POST", form=form)
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username} at {path}: {status}\n{body[:2000]!r}")


class Server:
    """gunicorn serving one system on one database."""

    def __init__(self, key: str, cmd: list[str], env: dict[str, str], cwd: Path, workdir: Path):
        self.key, self.cmd, self.env, self.cwd = key, cmd, env, cwd
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file = workdir / f"{key}-gunicorn.log"

    def start(self, workers: int, probe: str) -> None:
        self.port = free_port()
        cmd = [
            *self.cmd, "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}", "--timeout", "300", "--log-level", "warning",
            "--error-logfile", str(self.log_file),
        ]  # fmt: skip
        with self.log_file.open("ab") as log_file:  # its warnings too, not the report's stderr
            self.process = subprocess.Popen(
                cmd, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=log_file
            )
        deadline = time.time() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn {self.key} exited:\n{self.log_file.read_text()}")
            with contextlib.suppress(OSError):
                status = Browser(self.port).request(probe)[0]
                if status == 200:
                    return
                raise SystemExit(f"{self.key}: {probe} answered {status}")
            if time.time() > deadline:
                raise SystemExit(f"{self.key}: gunicorn did not answer")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def dt_query(start: int, length: int, draw: int) -> str:
    """The query string DataTables sends for a server-side page (helpdesk's ticket list)."""
    columns = ["id", "ticket", "priority", "queue", "status", "created", "due_date",
               "assigned_to", "submitter", "last_followup", "kbitem"]  # fmt: skip
    params: list[tuple[str, Any]] = [("draw", draw)]
    for i, column in enumerate(columns):
        params += [
            (f"columns[{i}][data]", column),
            (f"columns[{i}][name]", ""),
            (f"columns[{i}][searchable]", "true"),
            (f"columns[{i}][orderable]", "false" if i == 0 else "true"),
            (f"columns[{i}][search][value]", ""),
            (f"columns[{i}][search][regex]", "false"),
        ]
    params += [("start", start), ("length", length), ("search[value]", ""),
               ("search[regex]", "false"), ("_", int(time.time() * 1000))]  # fmt: skip
    return urlencode(params)


class Page:
    """One timed page: a callable doing the request(s) and checking the answer."""

    def __init__(self, key: str, fetch: Callable[[], dict[str, float]]):
        self.key = key
        self.fetch = fetch


def ours_pages(browser: Browser, depth: int) -> tuple[list[Page], dict[str, Any]]:
    """Find our pages' URLs (the deep page by following `next` ``depth`` times, or to the last
    full page when there are fewer) and return the timed pages."""
    info: dict[str, Any] = {}
    chain = ["/console/cases/"]
    while len(chain) <= depth:
        body, _ms = browser.get(chain[-1])
        if len(chain) == 1:
            info["page_size"] = body.count(b"<tr data-row-link>")
        match = re.search(rb'href="\?([^"]*)" rel="next"', body)
        if match is None:
            chain.pop()  # the last page may be short: go back to the one before
            break
        chain.append("/console/cases/?" + html.unescape(match.group(1).decode()))
    info["depth"] = len(chain) - 1
    paths = {
        "dashboard": "/console/",
        "list": "/console/cases/",
        "list_deep": chain[-1],
        "filter": "/console/cases/?severity=C-1&queue=all",
        "search": "/console/cases/?" + urlencode({"search": SEARCH}),
    }
    info["paths"] = paths
    rows, sizes = {}, {}
    dash_body = b""
    for name, p in paths.items():
        body, _ms = browser.get(p)
        rows[name] = body.count(b"<tr data-row-link>")
        sizes[name] = len(body)
        if name == "dashboard":
            dash_body = body
    info["rows"] = rows
    info["bytes"] = sizes
    board = [int(x) for x in re.findall(rb'<span class="n">(\d+)</span>', dash_body)]
    info["dashboard"] = dict(
        zip(["mine_open", "team_open", "urgent_shown", "open"], board[:4], strict=True)
    )
    intake = re.search(rb'<h2 id="intake-h">\D*(\d+)', dash_body)
    info["dashboard"]["intake_today"] = int(intake.group(1)) if intake else None
    token = paths["list_deep"].split("after=", 1)[-1]
    info["deep_token"] = token
    info["deep_in_undue_cases"] = token.startswith("-")

    def fetcher(p: str) -> Callable[[], dict[str, float]]:
        def fetch() -> dict[str, float]:
            _body, ms = browser.get(p)
            return {"ms": ms}

        return fetch

    return [Page(name, fetcher(p)) for name, p in paths.items()], info


def helpdesk_pages(browser: Browser, deep_start: int) -> tuple[list[Page], dict[str, Any]]:
    """Find helpdesk's pages and the JSON each list page requests; return the timed pages."""
    info: dict[str, Any] = {"paths": {}, "json": {}, "rows": {}, "records": {}}
    pages: list[Page] = []
    lists = {
        "list": "/tickets/",
        "filter": "/tickets/?" + urlencode([("status", 1), ("status", 2), ("priority", 1)]),
        "search": "/tickets/?" + urlencode([("status", 1), ("status", 2), ("q", SEARCH)]),
    }
    length = 25
    draw = [1]
    for name, path in lists.items():
        body, _ms = browser.get(path)
        match = re.search(rb'"url": "(/datatables_ticket_list/[^"]+)"', body)
        length_match = re.search(rb"data-page-length='(\d+)'", body)
        if match is None or length_match is None:
            raise SystemExit(f"no DataTables source in {path}")
        length = int(length_match.group(1))
        json_path = match.group(1).decode()
        info["paths"][name] = path
        info["json"][name] = json_path
        data = json.loads(browser.get(f"{json_path}?{dt_query(0, length, 1)}", xhr=True)[0])
        info["rows"][name] = len(data["data"])
        info["records"][name] = data["recordsTotal"]
    info["page_length"] = length
    data = json.loads(
        browser.get(f"{info['json']['list']}?{dt_query(deep_start, length, 1)}", xhr=True)[0]
    )
    if not data["data"]:
        raise SystemExit(f"helpdesk's deep page at row {deep_start} is empty")
    info["rows"]["list_deep"] = len(data["data"])
    info["deep_start"] = deep_start

    def page_and_json(path: str, json_path: str) -> Callable[[], dict[str, float]]:
        def fetch() -> dict[str, float]:
            _body, page_ms = browser.get(path)
            draw[0] += 1
            _data, json_ms = browser.get(f"{json_path}?{dt_query(0, length, draw[0])}", xhr=True)
            return {"ms": page_ms + json_ms, "page_ms": page_ms, "json_ms": json_ms}

        return fetch

    def deep() -> dict[str, float]:
        draw[0] += 1
        query = dt_query(deep_start, length, draw[0])
        _data, ms = browser.get(f"{info['json']['list']}?{query}", xhr=True)
        return {"ms": ms, "json_ms": ms}

    def dashboard() -> dict[str, float]:
        _body, ms = browser.get("/dashboard/")
        return {"ms": ms}

    info["paths"]["dashboard"] = "/dashboard/"
    pages.append(Page("dashboard", dashboard))
    pages.append(Page("list", page_and_json(lists["list"], info["json"]["list"])))
    pages.append(Page("list_deep", deep))
    pages.append(Page("filter", page_and_json(lists["filter"], info["json"]["filter"])))
    pages.append(Page("search", page_and_json(lists["search"], info["json"]["search"])))
    return pages, info


# --- report ---------------------------------------------------------------------------------------


def machine(workers: int) -> dict[str, Any]:
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
        for name in ("server_version", "shared_buffers", "work_mem", "synchronous_commit")
    }
    code = (
        "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in "
        "('django-helpdesk', 'Django', 'gunicorn', 'psycopg')}))"
    )
    helpdesk = last_json(run([str(HELPDESK_BIN / "python"), "-c", code], cwd=BENCH))
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": settings.pop("server_version"),
        "postgresql_settings": settings,
        "aftersales": {n: metadata.version(n) for n in ("Django", "gunicorn", "psycopg")},
        "helpdesk": helpdesk,
        "gunicorn_workers": workers,
    }


def summarize(samples: list[dict[str, float]]) -> dict[str, Any]:
    ms = [s["ms"] for s in samples]
    result: dict[str, Any] = {
        "median_ms": statistics.median(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "samples_ms": [round(x, 2) for x in ms],
    }
    for part in ("page_ms", "json_ms"):
        if part in samples[0]:
            result[f"{part[:-3]}_median_ms"] = statistics.median(s[part] for s in samples)
    return result


def paired(a: list[dict[str, float]], b: list[dict[str, float]]) -> dict[str, float]:
    """The median (and range) of per-round ratios a/b."""
    ratios = [x["ms"] / y["ms"] for x, y in zip(a, b, strict=True)]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}


def ms_text(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def print_report(report: dict[str, Any]) -> None:
    m, s, r = report["machine"], report["summary"], report["ratios"]
    sizes: list[int] = report["settings"]["sizes"]
    small, big = sizes[0], sizes[-1]
    rounds = report["settings"]["repeat"]
    hd_version = m["helpdesk"]["django-helpdesk"]
    depth = report["settings"]["depth"]
    PAGE_LABELS["list_deep"] = f"case list, page {depth + 1}"
    out(f"### Staff console: case list and dashboard ({m['date'][:10]})")
    out()
    out(f"aftersales measured from the {report['source']}.")
    out()
    out(
        f"Wall time of one request over HTTP (gunicorn, {m['gunicorn_workers']} sync workers per "
        f"server, a new connection per request, the whole body read), logged in as staff; median "
        f"of {rounds} interleaved rounds after warm-up; ratios are medians of per-round ratios. "
        f"django-helpdesk {hd_version}'s list pages count the HTML page *plus* the "
        "`datatables_ticket_list` JSON the page then loads "
        f"({report['helpdesk'][str(big)]['page_length']} rows, its default; ours show "
        f"{report['ours'][str(big)]['page_size']}); its deep page is the JSON alone (DataTables "
        f"pages by XHR) at the same row offset as our page {depth + 1}."
    )
    for n in sizes:
        out()
        info = report["ours"][str(n)]
        data = info["data"]
        hd = report["helpdesk"][str(n)]
        open_n = sum(v for k, v in data["by_status"].items() if k not in ("resolved", "closed"))
        states = ", ".join(f"{k} {v:,}" for k, v in data["open_sla_states"].items())
        board = info.get("dashboard", {})
        out(
            f"**{n:,} cases / tickets** ({open_n:,} open; aftersales: {data['clocks']:,} clocks, "
            f"{data['case_events']:,} timeline events, open cases by SLA state: {states}; "
            f"helpdesk: {hd['data']['followups']:,} follow-ups). Dashboard: "
            f"{board.get('mine_open')} mine, {board.get('team_open')} my team's, "
            f"{board.get('urgent_shown')} overdue or due within the hour shown, "
            f"{board.get('intake_today')} reported today. Our page {depth + 1} lies among the "
            + (
                "open cases without a running clock (due time NULL)."
                if info.get("deep_in_undue_cases")
                else "open cases with a due time."
            )
        )
        out()
        out(
            "| page | aftersales | range | django-helpdesk | range | helpdesk / aftersales "
            f"(target ≥ {TARGET_RATIO:g}x) |"
        )
        out("|---|---:|---:|---:|---:|---:|")
        for page in OURS_PAGES:
            o, h_ = s[f"ours:{n}:{page}"], s[f"helpdesk:{n}:{page}"]
            ratio = r["helpdesk_vs_ours"][f"{n}:{page}"]
            verdict = "met" if ratio["median"] >= TARGET_RATIO else "**not met**"
            parts = ""
            if "page_median_ms" in h_:
                parts = f" ({ms_text(h_['page_median_ms'])} + {ms_text(h_['json_median_ms'])})"
            out(
                f"| {PAGE_LABELS[page]} | {ms_text(o['median_ms'])} | "
                f"{o['min_ms']:.1f}–{o['max_ms']:.1f} | {HD_LABELS[page]}: "
                f"{ms_text(h_['median_ms'])}{parts} | {h_['min_ms']:,.0f}–{h_['max_ms']:,.0f} | "
                f"{ratio['median']:.1f}x ({ratio['min']:.1f}–{ratio['max']:.1f}), {verdict} |"
            )
    out()
    out(
        f"Growth from {small:,} to {big:,} cases (target: flat; here ≤ {FLAT_MAX:g}x counts as "
        "flat):"
    )
    out()
    out(f"| page | aftersales {small:,} → {big:,} | ratio | flat? | django-helpdesk ratio |")
    out("|---|---:|---:|---:|---:|")
    for page in OURS_PAGES:
        o1, o2 = s[f"ours:{small}:{page}"], s[f"ours:{big}:{page}"]
        g_o, g_h = r["growth_ours"][page], r["growth_helpdesk"][page]
        flat = "yes" if g_o["median"] <= FLAT_MAX else "**no**"
        out(
            f"| {PAGE_LABELS[page]} | {ms_text(o1['median_ms'])} → {ms_text(o2['median_ms'])} | "
            f"{g_o['median']:.2f} ({g_o['min']:.2f}–{g_o['max']:.2f}) | {flat} | "
            f"{g_h['median']:.2f} |"
        )
    out()
    met5 = report["verdict"]["ratio_met"]
    flat = report["verdict"]["flat_met"]
    out(
        f"Targets: ≥ {TARGET_RATIO:g}x django-helpdesk on every page at every size: "
        + (
            "**met**"
            if met5
            else "**not met** (" + ", ".join(report["verdict"]["ratio_missed"]) + ")"
        )
        + f"; flat from {small:,} to {big:,}: "
        + (
            "**met**."
            if flat
            else "**not met** (" + ", ".join(report["verdict"]["flat_missed"]) + ")."
        )
    )
    out()
    out(
        "SQL statements per page (in-process, Django test client, CaptureQueriesContext; "
        "session and user included) and in-process time (median of 9; part in SQL):"
    )
    out()
    out(
        "| page | "
        + " | ".join(f"aftersales {n:,}" for n in sizes)
        + f" | django-helpdesk {big:,} |"
    )
    out("|---|" + "---:|" * (len(sizes) + 1))
    for page in OURS_PAGES:
        cells = []
        for n in sizes:
            x = report["inspect"]["ours"][str(n)][page]
            cells.append(
                f"{x['statements']} stmts, {x['inprocess_ms']:.1f} ms "
                f"(SQL {x['inprocess_sql_ms']:.1f} ms)"
            )
        hx = report["inspect"]["helpdesk"][str(big)]
        hd_parts = [hx[k] for k in (page, f"{page}_json") if k in hx]
        hd_cell = " + ".join(
            f"{x['statements']} stmts, {x['inprocess_ms']:,.0f} ms" for x in hd_parts
        )
        out(f"| {PAGE_LABELS[page]} | " + " | ".join(cells) + f" | {hd_cell} |")
    out()
    noisy = max(x["foreign_share"] for x in report["noise"])
    out(
        "Foreign CPU (processes outside the benchmark, share of the machine's CPU per round): "
        f"median {statistics.median(x['foreign_share'] for x in report['noise']):.0%}, "
        f"max {noisy:.0%}."
    )
    out()

    def hd_load(n: int) -> float:
        d = report["helpdesk"][str(n)]["data"]
        return float(d["load_seconds"] + d["vacuum_analyze_seconds"])

    loads = ", ".join(
        f"{n:,}: {sum(report['ours'][str(n)]['data']['load_seconds'].values()):.0f} s + "
        f"{hd_load(n):.0f} s"
        for n in sizes
    )
    out(f"Load (SQL, generate_series; aftersales + helpdesk, VACUUM ANALYZE included): {loads}.")
    out()
    out(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python "
        f"{m['python']}; PostgreSQL {m['postgresql']} on 127.0.0.1 (shared_buffers="
        f"{m['postgresql_settings']['shared_buffers']}, work_mem="
        f"{m['postgresql_settings']['work_mem']}); aftersales: Django {m['aftersales']['Django']}, "
        f"gunicorn {m['aftersales']['gunicorn']}, psycopg {m['aftersales']['psycopg']}; "
        f"django-helpdesk {hd_version}: Django {m['helpdesk']['Django']}, gunicorn "
        f"{m['helpdesk']['gunicorn']}; run took {report['duration_s']:.0f} s."
    )
    missed = sorted(set(report["verdict"]["ratio_missed"]) | set(report["verdict"]["flat_missed"]))
    pages_missed = sorted({x.split(" ")[0] for x in missed})
    if pages_missed:
        out()
        out(f"Slowest statements of the pages that miss a target, at {big:,} cases:")
        for page in pages_missed:
            x = report["inspect"]["ours"][str(big)].get(page)
            if not x:
                continue
            out()
            out(
                f"`{page}`: {x['statements']} statements, {x['inprocess_ms']:.1f} ms in-process "
                f"of which {x['inprocess_sql_ms']:.1f} ms in SQL."
            )
            for e in [e for e in x["explain"] if "cases_case" in e["sql"]][:1]:
                out()
                out(f"`{page}` ({e['ms']:.1f} ms when captured): `{e['sql'][:300]}…`")
                out()
                lines = e["plan"].splitlines()
                out("```text")
                out("\n".join(lines[:40]))
                if len(lines) > 40:
                    out(f"... ({len(lines) - 40} more lines in {RESULTS.name})")
                out("```")


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main(sys.argv[1:])
        return
    sys.path.insert(0, str(BENCH))
    import bench_case_create as bcc  # reused: the helpdesk venv, ForeignCpu, git export

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 2,000 and 20,000; 3 rounds")
    parser.add_argument("--sizes", help="comma-separated case counts (default 10000,100000)")
    parser.add_argument("--repeat", type=int, help="interleaved rounds (default 9, quick 3)")
    parser.add_argument("--warmup", type=int, help="requests per page before timing (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--grid-minutes", type=int, help="report-time grid (default 10, quick 30)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true", help="reuse databases kept by --keep")
    parser.add_argument("--no-profile", action="store_true", help=f"skip {PROFILE_OUT.name}")
    parser.add_argument("--rev", help="benchmark this git revision instead of the working tree")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args()
    sizes = sorted(
        int(x) for x in (args.sizes or ("2000,20000" if args.quick else "10000,100000")).split(",")
    )
    if len(sizes) < 2:
        parser.error("give at least two sizes")
    args.repeat = args.repeat or (3 if args.quick else 9)
    args.warmup = args.warmup if args.warmup is not None else (args.workers + 1)
    args.grid_minutes = args.grid_minutes or (30 if args.quick else 10)

    started = time.time()
    workdir = Path(tempfile.mkdtemp(prefix="console_bench-"))
    servers: list[Server] = []
    databases = [name.format(n=n) for n in sizes for name in (OURS_DB, HELPDESK_DB)]
    try:
        bcc.ensure_helpdesk_venv()
        src = bcc.export_revision(args.rev, workdir) if args.rev else ROOT
        source = bcc.describe_source(args.rev)
        setup = Setup(src, workdir)
        log(f"aftersales from the {source}; collectstatic into {setup.static}")
        setup.collectstatic()
        reuse = args.reuse and all(database_exists(db) for db in databases)
        ours_data: dict[int, Any] = {}
        hd_data: dict[int, Any] = {}
        if reuse:
            for n in sizes:
                ours_data[n] = json.loads(
                    pg(OURS_DB.format(n=n), "SELECT data FROM bench_console_meta")[0][0]
                )
                hd_data[n] = json.loads(
                    pg(HELPDESK_DB.format(n=n), "SELECT data FROM bench_console_meta")[0][0]
                )
            log("reusing the databases of an earlier --keep run")
        else:
            for db in databases:
                recreate_database(db)
            log(f"migrating {len(databases)} databases")
            migrations = []
            for n in sizes:
                ours_db, hd_db = OURS_DB.format(n=n), HELPDESK_DB.format(n=n)
                migrations.append((f"migrate {ours_db}", setup.migrate_ours(ours_db)))
                migrations.append((f"migrate {hd_db}", setup.migrate_helpdesk(hd_db)))
            wait_all(migrations)
            for n in sizes:
                log(f"loading {n:,} cases into {OURS_DB.format(n=n)}")
                ours_data[n] = setup.ours_child(
                    OURS_DB.format(n=n), "_load_ours", "--cases", str(n),
                    "--grid-minutes", str(args.grid_minutes),
                )  # fmt: skip
                log(f"loading {n:,} tickets into {HELPDESK_DB.format(n=n)}")
                ids = setup.helpdesk_child(HELPDESK_DB.format(n=n), "_setup_helpdesk")
                hd_data[n] = load_helpdesk(
                    HELPDESK_DB.format(n=n), n, ids, datetime.fromisoformat(ours_data[n]["now"])
                )
                for db, data in ((OURS_DB, ours_data[n]), (HELPDESK_DB, hd_data[n])):
                    pg(db.format(n=n), "CREATE TABLE bench_console_meta (data text)")
                    pg(
                        db.format(n=n), "INSERT INTO bench_console_meta VALUES (%s)",
                        params=[json.dumps(data)],
                    )  # fmt: skip

        log(f"starting gunicorn: {args.workers} sync workers per server, {2 * len(sizes)} servers")
        pages: dict[str, Page] = {}
        info: dict[str, dict[str, Any]] = {"ours": {}, "helpdesk": {}}
        depth = DEPTH
        for n in sizes:
            ours = Server(
                f"ours-{n}",
                [str(setup.project_bin / "gunicorn"), "aftersales.config.wsgi:application"],
                setup.ours_env(OURS_DB.format(n=n)), src, workdir,
            )  # fmt: skip
            hd = Server(
                f"helpdesk-{n}",
                [str(HELPDESK_BIN / "gunicorn"), "--chdir", str(HELPDESK_PROJECT),
                 "helpdesk_site.wsgi:application"],
                setup.helpdesk_env(HELPDESK_DB.format(n=n)), HELPDESK_PROJECT, workdir,
            )  # fmt: skip
            servers += [ours, hd]
            ours.start(args.workers, "/accounts/login/")
            hd.start(args.workers, "/login/")
            ours_browser = Browser(ours.port)
            ours_browser.login("/accounts/login/", OURS_USER, "/console/")
            hd_browser = Browser(hd.port)
            hd_browser.login("/login/", HD_USER, "/tickets/")
            our_pages, info["ours"][str(n)] = ours_pages(ours_browser, depth)
            depth = info["ours"][str(n)]["depth"]  # the same depth at every size
            deep_start = depth * info["ours"][str(n)]["page_size"]
            hd_pages, info["helpdesk"][str(n)] = helpdesk_pages(hd_browser, deep_start)
            for p in our_pages:
                pages[f"ours:{n}:{p.key}"] = p
            for p in hd_pages:
                pages[f"helpdesk:{n}:{p.key}"] = p
            log(
                f"{n:,}: our list rows {info['ours'][str(n)]['rows']}; helpdesk rows "
                f"{info['helpdesk'][str(n)]['rows']}, records {info['helpdesk'][str(n)]['records']}"
            )

        log(f"warming up: {args.warmup} requests per page")
        for page in pages.values():
            for _ in range(args.warmup):
                page.fetch()
        samples: dict[str, list[dict[str, float]]] = {key: [] for key in pages}
        noise = bcc.ForeignCpu(tuple(databases))
        noise_rounds = []
        keys = list(pages)
        for round_no in range(args.repeat):
            shift = (round_no * 7) % len(keys)
            noise.start()
            for key in keys[shift:] + keys[:shift]:
                samples[key].append(pages[key].fetch())
            noise_rounds.append(noise.stop())
            log(
                f"round {round_no + 1}/{args.repeat}: "
                + ", ".join(
                    f"{n // 1000}k {page} {samples[f'ours:{n}:{page}'][-1]['ms']:.0f}/"
                    f"{samples[f'helpdesk:{n}:{page}'][-1]['ms']:.0f}"
                    for n in (sizes[0], sizes[-1])
                    for page in OURS_PAGES
                )
                + f" ms; foreign CPU {noise_rounds[-1]['foreign_share']:.0%}"
            )
        for server in servers:
            server.stop()
        servers = []

        log(
            "in-process: SQL statements, timings, EXPLAIN"
            + ("" if args.no_profile else ", profile")
        )
        inspect: dict[str, dict[str, Any]] = {"ours": {}, "helpdesk": {}}
        for n in sizes:
            page_file = workdir / f"ours-pages-{n}.json"
            page_file.write_text(json.dumps(list(info["ours"][str(n)]["paths"].items())))
            argv = ["_inspect", "--pages", str(page_file), "--username", OURS_USER]
            if n == sizes[-1] and not args.no_profile:
                argv += ["--profile", str(workdir / "profile.txt")]
            inspect["ours"][str(n)] = setup.ours_child(OURS_DB.format(n=n), *argv)
            hd_info = info["helpdesk"][str(n)]
            hd_paths = [["dashboard", "/dashboard/"]]
            for name in ("list", "filter", "search"):
                hd_paths.append([name, hd_info["paths"][name]])
                hd_paths.append(
                    [
                        f"{name}_json",
                        f"{hd_info['json'][name]}?{dt_query(0, hd_info['page_length'], 1)}",
                    ]
                )
            deep_query = dt_query(hd_info["deep_start"], hd_info["page_length"], 1)
            hd_paths.append(["list_deep_json", f"{hd_info['json']['list']}?{deep_query}"])
            page_file = workdir / f"hd-pages-{n}.json"
            page_file.write_text(json.dumps(hd_paths))
            inspect["helpdesk"][str(n)] = setup.helpdesk_child(
                HELPDESK_DB.format(n=n), "_inspect", "--pages", str(page_file), "--username",
                HD_USER, "--runs", "3", "--explain", "1",
            )  # fmt: skip
        if not args.no_profile and (workdir / "profile.txt").exists():
            PROFILE_OUT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(workdir / "profile.txt", PROFILE_OUT)

        summary = {key: summarize(v) for key, v in samples.items()}
        small, big = sizes[0], sizes[-1]
        ratios: dict[str, dict[str, Any]] = {
            "helpdesk_vs_ours": {
                f"{n}:{page}": paired(samples[f"helpdesk:{n}:{page}"], samples[f"ours:{n}:{page}"])
                for n in sizes
                for page in OURS_PAGES
            },
            "growth_ours": {
                page: paired(samples[f"ours:{big}:{page}"], samples[f"ours:{small}:{page}"])
                for page in OURS_PAGES
            },
            "growth_helpdesk": {
                page: paired(samples[f"helpdesk:{big}:{page}"], samples[f"helpdesk:{small}:{page}"])
                for page in OURS_PAGES
            },
        }
        ratio_missed = [
            f"{key.split(':')[1]} at {int(key.split(':')[0]):,}"
            for key, x in ratios["helpdesk_vs_ours"].items()
            if x["median"] < TARGET_RATIO
        ]
        flat_missed = [
            f"{page} ({x['median']:.2f}x)"
            for page, x in ratios["growth_ours"].items()
            if x["median"] > FLAT_MAX
        ]
        report = {
            "benchmark": "console",
            "source": source,
            "machine": machine(args.workers),
            "settings": {
                "sizes": sizes,
                "repeat": args.repeat,
                "warmup": args.warmup,
                "workers": args.workers,
                "grid_minutes": args.grid_minutes,
                "depth": depth,
                "search": SEARCH,
                "quick": args.quick,
                "target_ratio": TARGET_RATIO,
                "flat_max": FLAT_MAX,
            },
            "ours": {str(n): {"data": ours_data[n], **info["ours"][str(n)]} for n in sizes},
            "helpdesk": {str(n): {"data": hd_data[n], **info["helpdesk"][str(n)]} for n in sizes},
            "summary": summary,
            "ratios": ratios,
            "verdict": {
                "ratio_met": not ratio_missed,
                "ratio_missed": ratio_missed,
                "flat_met": not flat_missed,
                "flat_missed": flat_missed,
            },
            "inspect": inspect,
            "noise": noise_rounds,
            "samples": samples,
        }
        report["duration_s"] = round(time.time() - started, 1)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        print_report(report)
        log(f"done in {report['duration_s']} s; results in {args.json}")
    finally:
        for server in servers:
            server.stop()
        if not (args.keep or args.reuse):
            for db in databases:
                drop_database(db)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
