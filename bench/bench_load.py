"""Load test: a realistic mix of requests over HTTP at increasing concurrency.

The issue: "A load test of a realistic mix — intake, list, case page, reply, transition, portal —
against gunicorn with several workers on PostgreSQL and Redis, bounded in time, loopback only:
report throughput and p50/p95/p99 latency at increasing concurrency, the point where it
saturates, and what saturates first. Target: p95 under 200 ms for reads and under 400 ms for
writes at the concurrency that a 2-core machine sustains; no errors."

What the script does, in one run:

1. Creates a fresh PostgreSQL database, runs the migrations and loads ``--cases`` cases over 30
   customers (each with a 7x24 and a 5x8 contract and an asset under each): 15 % open, created
   with the product's ``case_create`` and moved to their status with ``case_transition`` (clocks,
   timeline, search index as in production); 200 history cases made the same way and then
   closed (85 %) or resolved by SQL (times, resolution, clocks met); the remaining history as SQL
   copies of those 200 with their clocks and timelines, 0-30 days older. Adds, through the
   services, one agent (with an API token) and one customer contact per virtual user, each
   signed in with Django's ``login()`` (test client ``force_login``; one session of each kind
   is checked over HTTP before the run). Redis database 12
   (``CACHE_URL=redis://127.0.0.1:6379/12``) is the cache and the session store (``cached_db``);
   it is flushed at the start.
2. Serves the product with gunicorn (sync workers, DEBUG off, WhiteNoise with collected static
   files, the product's settings otherwise; bench_console.py's environment) on 127.0.0.1. Celery
   runs eagerly (no broker), as in the other HTTP benchmarks: notifications are rendered and sent
   (console e-mail backend, to /dev/null) inside the request that causes them.
3. For each concurrency step (1, 2, 4, 8, 16, 32 clients by default) runs that many virtual users
   for a warm-up and then a measured window. Each virtual user is a closed loop without think
   time on one keep-alive ``http.client`` connection (gunicorn's sync workers close it after
   every response, so each request pays a loopback connect), choosing each request at random by
   the weights of ``MIX``; the users are spread over separate load-generator processes.
   Transitions and replies go to a pool of open cases owned by that user alone, so that no
   transition is refused because another user moved the case first; the pools' statuses are read
   from the database before every step.
4. Samples /proc during every window: the CPU of gunicorn (master and workers), of the PostgreSQL
   backends connected to the benchmark's database, of Redis, of the load generators, and of every
   other process on the machine ("foreign", the noise of a shared machine).
5. Repeats the whole ladder for ``--rounds`` rounds and reports per step the medians over rounds:
   throughput, p50/p95/p99 of reads and of writes, errors (any status other than 2xx/3xx, or a
   failed connection), and the CPU split; then the saturation point (the last step after which
   throughput grows by no more than 10 %), what saturates first, and whether the target is met at
   the concurrency the machine sustains (the saturation point). Prints Markdown for
   docs/PERFORMANCE.md and writes bench/results/load.json. Any error makes the run exit with 1.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432 as user postgres with trust auth,
Redis at 127.0.0.1:6379; `make bench BENCH=load` runs it through bench/run.py):
    .venv/bin/python bench/bench_load.py [--quick] [--steps 1,2,4,8,16,32] [--seconds N]
        [--warmup N] [--rounds N] [--cases N] [--workers N] [--rev REV] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_console as console  # noqa: E402 -- its environment, data constants and server
from bench_case_create import (  # noqa: E402 -- the shared helpers of the HTTP benchmarks
    ForeignCpu,
    describe_source,
    export_revision,
    log,
    out,
    percentile,
)

ROOT = BENCH.parent
RESULTS = BENCH / "results" / "load.json"
DB = "aftersales_bench_load"
CACHE_URL = "redis://127.0.0.1:6379/12"
PASSWORD = console.PASSWORD
AGENT = "bench_load_agent_{i:02d}"
CONTACT = "bench_load_contact_{i:02d}"

# The mix of one virtual user: (operation, kind, weight in percent).
MIX = [
    ("list", "read", 25),  # GET /api/v1/cases/?status=... (token)
    ("case_page", "read", 30),  # GET /console/cases/<number>/ (agent session)
    ("portal", "read", 15),  # GET /portal/ (customer contact session)
    ("intake", "write", 8),  # POST /api/v1/cases/ (token)
    ("reply", "write", 12),  # POST /api/v1/cases/<number>/comments/ (token)
    ("transition", "write", 10),  # POST /api/v1/cases/<number>/transition/ (token)
]
OPERATIONS = [name for name, _kind, _weight in MIX]
KIND = {name: kind for name, kind, _weight in MIX}
TARGET_P95_MS = {"read": 200.0, "write": 400.0}
GROWTH = 1.10  # a step "grows" when its throughput is more than 10 % above the previous one's
HISTORY_TEMPLATES = 200  # history cases made through the services; the rest are SQL copies

OPEN_STATUSES = ["new", "responded", "diagnosing", "dispatched", "in_progress",
                 "waiting_customer", "waiting_parts"]  # fmt: skip
WORKING = ["responded", "diagnosing", "dispatched", "in_progress", "waiting_customer",
           "waiting_parts"]  # fmt: skip
REPLIES = [
    "已远程登录设备查看日志，端口错误计数持续增加，建议更换光模块，备件已申请。",
    "工程师已联系客户值班人员，预计明天上午 9:30 到达现场。",
    "已收到客户提供的日志，正在分析，稍后回复处理方案。",
    "Replaced the faulty module remotely; please confirm that the service is back to normal.",
]


# =================================================================================================
# Child modes. ``_setup`` runs with Django set up (the product's venv, the benchmark's database);
# ``_loadgen`` is a plain HTTP client process.
# =================================================================================================


def child_setup(args: argparse.Namespace) -> None:
    """Load the data through the product's services (and SQL for the history); print the pools.

    Reference rows as bench_console.py makes them: 3 regions, 30 customers, each with a 7x24 and a
    5x8 contract and an asset under each. Users: one agent (with an API token) and one customer
    contact per virtual user. Cases: ``args.cases`` through ``case_create`` (clocks, timeline,
    search index), reported over the past year; 15 % stay open and are moved to their status
    with ``case_transition``; the rest is closed (85 %) or resolved (15 %) by one SQL update per
    status (status, times, resolution, clocks met), as a year of history would look, without the
    timeline events of those moves.
    """
    console._django_setup()
    import datetime as dt
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from aftersales.accounts.services import user_create
    from aftersales.cases.services import case_create, case_transition
    from aftersales.catalog.services import asset_create, contract_create, product_create
    from aftersales.customers.services import customer_create, region_create

    def session_cookie(user: Any) -> str:
        """Sign ``user`` in as the login form does (``login()``); return the Cookie header."""
        client = Client()
        client.force_login(user)
        return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())

    rng = random.Random(2026)
    regions = [
        region_create(by=None, code=f"BENCH-{code}", name=name)
        for code, name in [("EAST", "华东区"), ("NORTH", "华北区"), ("SOUTH", "华南区")]
    ]
    products = [
        product_create(by=None, code=f"BENCH-P{i}", name=name, category=category)
        for i, (name, category) in enumerate(
            [("核心交换机 S9700", "network"), ("存储阵列 OceanStor", "storage"),
             ("服务器 RH2288", "server"), ("UPS 5000-E", "power")]
        )
    ]  # fmt: skip
    customers, assets = [], {}
    for i in range(console.N_CUSTOMERS):
        customer = customer_create(
            by=None, code=f"BENCH-C{i:03d}", name=console.CUSTOMER_NAMES[i], region=regions[i % 3]
        )
        customers.append(customer)
        assets[customer.code] = []
        for level in ("7x24", "5x8"):
            contract = contract_create(
                by=None, number=f"BENCH-C{i:03d}-{level.upper()}", customer=customer,
                service_level=level, start_date=dt.date(2024, 1, 1),
                end_date=dt.date(2029, 12, 31), hardware_warranty_months=60,
            )  # fmt: skip
            assets[customer.code].append(
                asset_create(
                    by=None,
                    serial_number=f"BENCH-SN{i:03d}-{level.upper()}",
                    product=products[i % len(products)],
                    customer=customer,
                    contract=contract,
                    purchase_date=dt.date(2024, 6, 1),
                )  # fmt: skip
            )
    users = []
    for i in range(args.users):
        agent = AGENT.format(i=i)
        agent_user = user_create(
            by=None, username=agent, role="agent", password=PASSWORD, language="zh-hans"
        )
        buffer = StringIO()
        call_command("createtoken", agent, stdout=buffer)
        token = buffer.getvalue().strip().splitlines()[-1].strip()
        contact = CONTACT.format(i=i)
        contact_user = user_create(
            by=None, username=contact, role="customer_contact",
            customer=customers[i % len(customers)], password=PASSWORD, language="zh-hans",
        )  # fmt: skip
        users.append(
            {"agent": agent, "token": token, "contact": contact,
             "agent_cookie": session_cookie(agent_user),
             "contact_cookie": session_cookie(contact_user)}
        )  # fmt: skip
    loader = user_create(by=None, username="bench_load_loader", role="agent")

    began = time.perf_counter()
    now = timezone.now()
    open_statuses = ["new"] * 2 + WORKING * 2 + ["diagnosing", "in_progress"] * 2
    n_open = round(args.cases * 0.15)
    n_history = min(HISTORY_TEMPLATES, args.cases - n_open)
    history: dict[str, list[int]] = {"closed": [], "resolved": []}
    by_status: Counter[str] = Counter()
    for n in range(n_open + n_history):
        customer = customers[rng.randrange(len(customers))]
        is_open = n < n_open
        age = dt.timedelta(hours=rng.uniform(0.1, 168)) if is_open else dt.timedelta(
            days=rng.uniform(40, 365)
        )  # fmt: skip
        case = case_create(
            by=loader, customer=customer, asset=rng.choice(assets[customer.code]),
            case_type=rng.choice(["fault"] * 5 + ["consultation", "remote_support", "maintenance"]),
            channel=rng.choice(["phone", "phone", "email", "web", "api"]),
            severity=rng.choice(["C-1", "C-2", "C-2", "C-3", "C-3", "C-3"]),
            summary=rng.choice(console.SUMMARIES), description=rng.choice(console.DESCRIPTIONS),
            reported_at=now - age,
        )  # fmt: skip
        if is_open:
            status = rng.choice(open_statuses)
            if status != "new":
                if status != "diagnosing":
                    case = case_transition(case=case, to="diagnosing", by=loader)
                case_transition(case=case, to=status, by=loader, note="")
        else:
            status = "closed" if rng.random() < 0.85 else "resolved"
            history[status].append(case.pk)
        by_status[status] += 1
        if (n + 1) % 200 == 0:
            log(f"  {n + 1:,} cases ({(n + 1) / (time.perf_counter() - began):.0f}/s)")
    with connection.cursor() as cursor:
        for status, ids in history.items():
            closed = "reported_at + interval '30 hours'" if status == "closed" else "NULL"
            cursor.execute(
                f"""UPDATE cases_case SET status = %s,
                    responded_at = reported_at + interval '20 minutes',
                    resolved_at = reported_at + interval '26 hours', closed_at = {closed},
                    resolution = '已更换故障部件，业务恢复正常，客户确认。',
                    sla_due_at = NULL, sla_state = 'none'
                WHERE id = ANY(%s)""",  # noqa: S608 -- our own constant
                [status, ids],
            )
            cursor.execute(
                """UPDATE sla_slaclock k SET state = 'met', is_paused = false,
                    next_event_at = NULL, met_at = c.reported_at + interval '20 hours'
                FROM cases_case c WHERE k.case_id = c.id AND c.id = ANY(%s)
                    AND k.met_at IS NULL AND k.cancelled_at IS NULL""",
                [ids],
            )
        clones = args.cases - n_open - n_history
        if clones > 0:
            _clone_history(cursor, history["closed"] + history["resolved"], clones)
            cursor.execute(
                "SELECT status, count(*) FROM cases_case WHERE number LIKE 'SR-2025-%%' GROUP BY 1"
            )
            by_status.update(dict(cursor.fetchall()))
    seconds = time.perf_counter() - began
    log(f"  {args.cases:,} cases in {seconds:.0f} s")
    numbers = [row[0] for row in console._sql("SELECT number FROM cases_case ORDER BY id")]
    working = [
        row[0]
        for row in console._sql(
            "SELECT number FROM cases_case WHERE status = ANY(%s) ORDER BY id", [WORKING]
        )
    ]
    out(
        json.dumps(
            {
                "users": users,
                "customers": [c.code for c in customers],
                "assets": {
                    code: [a.serial_number for a in items] for code, items in assets.items()
                },
                "numbers": numbers,
                "working": working,
                "by_status": dict(sorted(by_status.items())),
                "load_seconds": round(seconds, 1),
            }
        )
    )


def _clone_history(cursor: Any, template_ids: list[int], count: int) -> None:
    """Insert ``count`` copies of the history cases ``template_ids`` with their clocks and
    timelines, 0-30 days older, numbered SR-2025-NNNNNN (their search index still names the
    template's number)."""
    cursor.execute(
        """CREATE TEMP TABLE clone_map AS
        SELECT src, nextval(pg_get_serial_sequence('cases_case', 'id')) AS dst
        FROM (SELECT src FROM unnest(%s::bigint[]) AS src, generate_series(1, %s) AS g
              ORDER BY random() LIMIT %s) AS t""",
        [template_ids, count // max(1, len(template_ids)) + 1, count],
    )
    cursor.execute(
        "ALTER TABLE clone_map ADD COLUMN shift interval;"
        "UPDATE clone_map SET shift = make_interval(secs => mod(dst * 7919, 2592000))"
    )

    def copy(table: str, alias: str, key: str, overrides: dict[str, str]) -> None:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        names, exprs = [], []
        for name, data_type in cursor.fetchall():
            if name == "id" and "id" not in overrides:
                continue
            names.append(name)
            if name in overrides:
                exprs.append(overrides[name])
            elif data_type == "timestamp with time zone":
                exprs.append(f"{alias}.{name} - m.shift")
            else:
                exprs.append(f"{alias}.{name}")
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} "  # noqa: S608
            f"FROM {table} {alias} JOIN clone_map m ON m.src = {alias}.{key}"
        )

    copy(
        "cases_case",
        "c",
        "id",
        {"id": "m.dst", "number": "'SR-2025-' || lpad(m.dst::text, 6, '0')"},
    )
    copy("sla_slaclock", "k", "case_id", {"case_id": "m.dst"})
    copy("cases_caseevent", "e", "case_id", {"case_id": "m.dst"})
    cursor.execute("DROP TABLE clone_map")


def child_loadgen(args: argparse.Namespace) -> None:
    """Run the virtual users of one config file; print per-operation statuses and latencies."""
    config = json.loads(Path(args.config).read_text(encoding="utf-8"))
    port = config["port"]
    window_start = config["start_at"] + config["warmup"]
    window_end = window_start + config["seconds"]
    lock = threading.Lock()
    statuses: dict[str, Counter[str]] = {op: Counter() for op in OPERATIONS}
    latencies: dict[str, list[float]] = {op: [] for op in OPERATIONS}
    errors: list[str] = []
    final_status: dict[str, str] = {}
    ops, weights = OPERATIONS, [weight for _name, _kind, weight in MIX]

    def user(vu: dict[str, Any]) -> None:
        rng = random.Random(vu["seed"])
        pool: dict[str, str] = dict(vu["pool"])  # case number -> current status
        pool_numbers = sorted(pool)
        api = {
            "Authorization": f"Token {vu['token']}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        agent_page = {"Cookie": vu["agent_cookie"], "Accept": "text/html"}
        contact_page = {"Cookie": vu["contact_cookie"], "Accept": "text/html"}
        conn: http.client.HTTPConnection | None = None
        local_status: dict[str, Counter[str]] = {op: Counter() for op in OPERATIONS}
        local_lat: dict[str, list[float]] = {op: [] for op in OPERATIONS}
        local_errors: list[str] = []
        n = 0
        while True:
            begin = time.time()
            if begin >= window_end:
                break
            op = rng.choices(ops, weights)[0]
            body: bytes | None = None
            method = "POST"
            new_status = ""
            number = ""
            if op == "list":
                method, headers = "GET", api
                path = f"/api/v1/cases/?status={rng.choice(OPEN_STATUSES)}"
            elif op == "case_page":
                method, headers = "GET", agent_page
                path = f"/console/cases/{rng.choice(config['numbers'])}/"
            elif op == "portal":
                method, headers, path = "GET", contact_page, "/portal/"
            elif op == "intake":
                headers, path = api, "/api/v1/cases/"
                customer = rng.choice(config["customers"])
                payload = {
                    "customer": customer,
                    "asset": rng.choice(config["assets"][customer]),
                    "case_type": "fault",
                    "channel": "api",
                    "severity": rng.choice(["C-1", "C-2", "C-2", "C-3", "C-3"]),
                    "summary": rng.choice(console.SUMMARIES),
                    "description": rng.choice(console.DESCRIPTIONS),
                }
                body = json.dumps(payload, ensure_ascii=False).encode()
            elif op == "reply":
                number = rng.choice(pool_numbers)
                headers, path = api, f"/api/v1/cases/{number}/comments/"
                body = json.dumps(
                    {"body": rng.choice(REPLIES), "public": rng.random() < 0.7},
                    ensure_ascii=False,
                ).encode()
            else:  # transition: to another working status, never out of the pool's statuses
                number = rng.choice(pool_numbers)
                current = pool[number]
                choices = [s for s in WORKING if s != current] if current != "new" else [
                    "responded", "diagnosing"
                ]  # fmt: skip
                new_status = rng.choice(choices)
                headers, path = api, f"/api/v1/cases/{number}/transition/"
                body = json.dumps(
                    {"status": new_status, "note": "负载测试：状态更新"}, ensure_ascii=False
                ).encode()
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = str(response.status)
                if response.will_close:  # gunicorn's sync workers close after each response
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                status, data = f"error:{type(exc).__name__}", b""
                if conn is not None:
                    conn.close()
                conn = None
            done = time.time()
            ok = status[0] in "23"
            if op == "transition" and ok:
                pool[number] = new_status
            if window_start <= done <= window_end:  # completed in the window
                local_status[op][status] += 1
                local_lat[op].append((done - begin) * 1000)
                if not ok and len(local_errors) < 3:
                    local_errors.append(f"{method} {path} -> {status}: {data[:300]!r}")
            n += 1
        if conn is not None:
            conn.close()
        with lock:
            for op_name in OPERATIONS:
                statuses[op_name].update(local_status[op_name])
                latencies[op_name].extend(local_lat[op_name])
            errors.extend(local_errors)
            final_status.update(pool)

    time.sleep(max(0.0, config["start_at"] - time.time()))
    threads = [threading.Thread(target=user, args=(vu,)) for vu in config["users"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out(
        json.dumps(
            {
                "statuses": {op: dict(c) for op, c in statuses.items()},
                "latencies": latencies,
                "errors": errors[:10],
            }
        )
    )


CHILD_MODES = {"_setup": child_setup, "_loadgen": child_loadgen}


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(CHILD_MODES))
    parser.add_argument("--users", type=int)
    parser.add_argument("--config")
    parser.add_argument("--cases", type=int)
    args = parser.parse_args(argv)
    CHILD_MODES[args.mode](args)


# =================================================================================================
# The orchestrator.
# =================================================================================================


class LoadCpu(ForeignCpu):
    """bench_case_create's foreign-CPU sampler, split by component.

    gunicorn: the master and its workers; postgres: the backends connected to the benchmark's
    database; redis: redis-server (shared by whoever uses that server, the benchmark's cache
    included); loadgen: the load-generator processes; foreign: every other process (PostgreSQL's
    own background processes count as "shared" and are reported apart).
    """

    def __init__(self, gunicorn_pid: int):
        super().__init__((DB,))
        self.gunicorn_pid = gunicorn_pid

    def _kind(self, pid: int, procs: dict[int, tuple[int, int, str]]) -> str:
        cmd = procs[pid][2]
        if cmd.startswith("redis-server"):
            return "redis"
        if cmd.startswith("postgres:"):
            if any(f" {db} " in cmd for db in self.databases):
                return "postgres"
            return "foreign" if "127.0.0.1" in cmd or "[local]" in cmd else "shared"
        if " _loadgen " in cmd and "bench_load.py" in cmd:
            return "loadgen"
        seen, p = 0, pid
        while p > 1 and seen < 64:
            if p == self.gunicorn_pid:
                return "gunicorn"
            if p == self.me:
                return "bench"
            p = procs[p][0] if p in procs else 0
            seen += 1
        return "foreign"

    def stop(self) -> dict[str, float]:  # type: ignore[override]
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
        with contextlib.suppress(Exception):
            self._sample()
        wall = time.time() - self.started
        totals: Counter[str] = Counter()
        for pid, (ticks, kind) in self.last.items():
            totals[kind] += max(0, ticks - self.first.get(pid, 0))
        cores = os.cpu_count() or 1
        kinds = ("gunicorn", "postgres", "redis", "loadgen", "bench", "shared", "foreign")
        used = {k: round(totals[k] / self.hz / wall, 3) for k in kinds}  # cores (CPU s per s)
        busy = sum(used.values())
        return {
            **{f"cpu_{k}": v for k, v in used.items()},
            "cpu_busy_share": round(busy / cores, 3),
            "foreign_share": round(used["foreign"] / cores, 3),
        }


class LoadSetup(console.Setup):
    """bench_console's environment (production-like settings, collected static files), with
    Redis as the cache."""

    def ours_env(self, dbname: str) -> dict[str, str]:
        return {**super().ours_env(dbname), "CACHE_URL": CACHE_URL}


def check_session(port: int, cookie: str, path: str) -> None:
    """Stop unless ``path`` answers 200 to the session in ``cookie`` (no redirect to sign in)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} with a signed-in session answered {response.status}")


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(CACHE_URL).flushdb()


def start_gunicorn(env: dict[str, str], cwd: Path, workers: int, workdir: Path) -> console.Server:
    server = console.Server(
        "load",
        [str(Path(sys.executable).parent / "gunicorn"), "aftersales.config.wsgi:application"],
        env,
        cwd,
        workdir,
    )
    server.start(workers, "/accounts/login/")
    return server


def run_step(
    server: console.Server,
    users: list[dict[str, Any]],
    fixtures: dict[str, Any],
    clients: int,
    seconds: float,
    warmup: float,
    workdir: Path,
    cpu: LoadCpu,
) -> dict[str, Any]:
    """Run ``clients`` virtual users for warm-up + window; return the step's measurements."""
    pools = current_pools(users)
    processes = max(1, min(clients, os.cpu_count() or 1))
    start_at = time.time() + 1.5  # every generator has started by then
    generators = []
    for p in range(processes):
        vus = [
            {**users[i], "pool": pools[i], "seed": random.randrange(1 << 30)}
            for i in range(p, clients, processes)
        ]
        config = {
            "port": server.port,
            "start_at": start_at,
            "warmup": warmup,
            "seconds": seconds,
            "users": vus,
            "numbers": fixtures["numbers"],
            "customers": fixtures["customers"],
            "assets": fixtures["assets"],
        }
        path = workdir / f"loadgen-{p}.json"
        path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        cmd = [sys.executable, str(Path(__file__).resolve()), "_loadgen", "--config", str(path)]
        generators.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))  # noqa: S603
    time.sleep(max(0.0, start_at + warmup - time.time()))
    cpu.start()
    time.sleep(seconds)
    usage = cpu.stop()
    statuses: dict[str, Counter[str]] = {op: Counter() for op in OPERATIONS}
    latencies: dict[str, list[float]] = {op: [] for op in OPERATIONS}
    errors: list[str] = []
    for generator in generators:
        stdout, _ = generator.communicate()
        if generator.returncode != 0:
            raise SystemExit("a load generator failed")
        result = console.last_json(stdout)
        for op in OPERATIONS:
            statuses[op].update(result["statuses"][op])
            latencies[op].extend(result["latencies"][op])
        errors.extend(result["errors"])
    return summarize_step(clients, seconds, statuses, latencies, errors, usage)


def current_pools(users: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return each user's pool of cases with their statuses as they are in the database now."""
    numbers = [n for u in users for n in u["pool_numbers"]]
    status = dict(
        console.pg(
            DB, "SELECT number, status FROM cases_case WHERE number = ANY(%s)", params=[numbers]
        )
    )
    return [{n: status[n] for n in u["pool_numbers"]} for u in users]


def summarize_step(
    clients: int,
    seconds: float,
    statuses: dict[str, Counter[str]],
    latencies: dict[str, list[float]],
    errors: list[str],
    usage: dict[str, float],
) -> dict[str, Any]:
    def pct(values: list[float]) -> dict[str, float | None]:
        return {f"p{q}_ms": percentile(values, q) for q in (50, 95, 99)}

    by_kind: dict[str, list[float]] = {"read": [], "write": []}
    per_op = {}
    for op in OPERATIONS:
        by_kind[KIND[op]].extend(latencies[op])
        count = sum(statuses[op].values())
        per_op[op] = {
            "count": count,
            "errors": sum(n for s, n in statuses[op].items() if s[0] not in "23"),
            "statuses": dict(statuses[op]),
            **pct(latencies[op]),
        }
    total = sum(v["count"] for v in per_op.values())
    per_request = {  # CPU milliseconds per completed request, by component
        f"cpu_ms_per_request_{k}": round(usage[f"cpu_{k}"] * seconds * 1000 / total, 1)
        if total
        else None
        for k in ("gunicorn", "postgres", "redis", "loadgen")
    }
    return {
        "clients": clients,
        "throughput": total / seconds,
        "requests": total,
        "errors": sum(v["errors"] for v in per_op.values()),
        "error_samples": errors[:5],
        "read": {"count": len(by_kind["read"]), **pct(by_kind["read"])},
        "write": {"count": len(by_kind["write"]), **pct(by_kind["write"])},
        "operations": per_op,
        **usage,
        **per_request,
    }


def median_of(samples: list[dict[str, Any]], *keys: str) -> float | None:
    values = []
    for sample in samples:
        value: Any = sample
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            values.append(value)
    return statistics.median(values) if values else None


def build_report(
    args: argparse.Namespace, rounds: list[list[dict[str, Any]]], meta: dict[str, Any]
) -> dict[str, Any]:
    steps = []
    for index, clients in enumerate(args.steps):
        samples = [r[index] for r in rounds]
        cpu_keys = [k for k in samples[0] if k.startswith("cpu_") or k == "foreign_share"]
        cpu_keys.append("requests")
        steps.append(
            {
                "clients": clients,
                "throughput": median_of(samples, "throughput"),
                "throughput_range": [
                    min(s["throughput"] for s in samples),
                    max(s["throughput"] for s in samples),
                ],
                "errors": sum(s["errors"] for s in samples),
                **{
                    kind: {q: median_of(samples, kind, q) for q in ("p50_ms", "p95_ms", "p99_ms")}
                    for kind in ("read", "write")
                },
                "operations": {
                    op: {
                        q: median_of(samples, "operations", op, q)
                        for q in ("p50_ms", "p95_ms", "p99_ms")
                    }
                    | {
                        "share": sum(s["operations"][op]["count"] for s in samples)
                        / max(1, sum(s["requests"] for s in samples))
                    }
                    for op in OPERATIONS
                },
                **{k: median_of(samples, k) for k in cpu_keys},
                "foreign_share_max": max(s["foreign_share"] for s in samples),
            }
        )
    # Saturation: the first step whose throughput is no more than 10 % above the previous one's.
    saturation = None
    for prev, step in zip(steps, steps[1:], strict=False):
        if step["throughput"] <= prev["throughput"] * GROWTH:
            saturation = prev
            break
    sustained = saturation or steps[-1]
    verdict = {
        kind: sustained[kind]["p95_ms"] is not None
        and sustained[kind]["p95_ms"] < TARGET_P95_MS[kind]
        for kind in ("read", "write")
    }
    within = [
        s["clients"]
        for s in steps
        if all(s[k]["p95_ms"] is not None and s[k]["p95_ms"] < TARGET_P95_MS[k] for k in verdict)
    ]
    return {
        "benchmark": "load",
        "machine": meta,
        "settings": {
            "steps": args.steps,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "cases": args.cases,
            "workers": args.workers,
            "mix": [{"operation": n, "kind": k, "weight": w} for n, k, w in MIX],
            "quick": args.quick,
        },
        "steps": steps,
        "saturation_clients": saturation["clients"] if saturation else None,
        "sustained_clients": sustained["clients"],
        "target_met": {**verdict, "all": all(verdict.values())},
        "largest_step_within_target": max(within) if within else None,
        "errors": sum(s["errors"] for s in steps),
        "error_samples": [e for r in rounds for s in r for e in s["error_samples"]][:10],
        "rounds": rounds,
    }


def bottleneck(step: dict[str, Any], cores: int, workers: int) -> str:
    """Say in words what limits throughput at ``step``."""
    parts = {
        "gunicorn (Python, the app)": step["cpu_gunicorn"],
        "PostgreSQL": step["cpu_postgres"],
        "the load generator": step["cpu_loadgen"],
        "Redis": step["cpu_redis"],
        "other processes on the machine": step["cpu_foreign"],
    }
    top = max(parts, key=lambda k: parts[k])
    busy = step["cpu_busy_share"]
    split = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
    if busy >= 0.85:
        return (
            f"the CPU: at {clients(step['clients'])} the machine's {cores} cores were {busy:.0%} "
            f"busy ({split} cores), the largest share in {top}"
        )
    return (
        f"not the CPU as a whole (the {cores} cores were {busy:.0%} busy: {split} cores); "
        f"the {workers} sync workers were each serving one request at a time, so the rest queued"
    )


def ms_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def clients(n: int) -> str:
    return f"{n} client" + ("" if n == 1 else "s")


def print_report(report: dict[str, Any]) -> None:
    m, st, steps = report["machine"], report["settings"], report["steps"]

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    def trio(x: dict[str, float | None]) -> str:
        return f"{ms(x['p50_ms'])} / {ms(x['p95_ms'])} / {ms(x['p99_ms'])}"

    reads = sum(w for _n, k, w in MIX if k == "read")
    out(f"### Load test: realistic mix over HTTP ({m['date'][:10]})")
    out()
    out(f"aftersales measured from the {m['aftersales_source']}.")
    out()
    out(
        f"gunicorn {st['workers']} sync workers on PostgreSQL (database with "
        f"{m['data']['cases_loaded']:,} cases loaded) and Redis as cache and session store; "
        f"closed-loop virtual users without think time; per step {st['warmup']:g} s warm-up + "
        f"{st['seconds']:g} s measured; medians of {st['rounds']} round(s) of the whole ladder."
    )
    out()
    mix = ", ".join(f"{n} {w} %" for n, _k, w in MIX)
    out(f"Mix: reads {reads} %, writes {100 - reads} % ({mix}).")
    out()
    out(
        "| clients | req/s (range) | requests | reads p50 / p95 / p99 ms "
        "| writes p50 / p95 / p99 ms | errors "
        "| CPU cores: gunicorn / PostgreSQL / Redis / load gen / foreign | busy |"
    )
    out("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in steps:
        lo, hi = s["throughput_range"]
        out(
            f"| {s['clients']} | {s['throughput']:.1f} ({lo:.1f}–{hi:.1f}) | {s['requests']:.0f} "
            f"| {trio(s['read'])} | "
            f"{trio(s['write'])} | {s['errors']} | {s['cpu_gunicorn']:.2f} / "
            f"{s['cpu_postgres']:.2f} / {s['cpu_redis']:.2f} / {s['cpu_loadgen']:.2f} / "
            f"{s['cpu_foreign']:.2f} | {s['cpu_busy_share']:.0%} |"
        )
    out()
    sustained = next(s for s in steps if s["clients"] == report["sustained_clients"])
    out(
        f"Per operation at {clients(sustained['clients'])} (p50 / p95 / p99 ms, share of requests):"
    )
    out()
    out("| operation | kind | p50 / p95 / p99 ms | share |")
    out("|---|---|---:|---:|")
    for name, kind, _w in MIX:
        x = sustained["operations"][name]
        out(f"| {name} | {kind} | {trio(x)} | {x['share']:.0%} |")
    out()
    if report["saturation_clients"] is not None:
        out(
            f"Saturation point: **{clients(report['saturation_clients'])}** "
            f"({sustained['throughput']:.1f} req/s); the next step adds no more than 10 % "
            "throughput. What saturates first: "
            + bottleneck(sustained, m["cores"], st["workers"])
            + "."
        )
    else:
        out(
            f"Throughput still grew by more than 10 % at the last step "
            f"({clients(steps[-1]['clients'])}): no saturation within the steps measured."
        )
    out()
    cost = {k: sustained.get(f"cpu_ms_per_request_{k}") for k in ("gunicorn", "postgres", "redis")}
    if all(v is not None for v in cost.values()):
        total_ms = sum(cost.values())  # type: ignore[arg-type]
        out(
            f"CPU per request at {clients(sustained['clients'])} (median): gunicorn "
            f"{cost['gunicorn']:.0f} ms, PostgreSQL {cost['postgres']:.0f} ms, Redis "
            f"{cost['redis']:.1f} ms, {total_ms:.0f} ms in all. Were the {m['cores']} cores free "
            f"of other work, that would bound throughput near {m['cores'] * 1000 / total_ms:.0f} "
            "req/s (an estimate from CPU time, not a measurement)."
        )
        out()
    t = report["target_met"]
    largest = report["largest_step_within_target"]
    within = clients(largest) if largest else "none"

    def verdict(kind: str) -> str:
        value = ms(sustained[kind]["p95_ms"])
        limit = f"{TARGET_P95_MS[kind]:.0f}"
        return f"{value} ms vs < {limit} ms: " + ("met" if t[kind] else "**NOT met**")

    out(
        f"Target at the concurrency this machine sustains ({clients(sustained['clients'])}): p95 "
        f"reads {verdict('read')}; p95 writes {verdict('write')}; errors "
        f"{report['errors']} ({'met' if not report['errors'] else '**NOT met**'}). Largest step "
        f"within both p95 targets: {within}."
    )
    out()
    noisy = max(s["foreign_share_max"] for s in steps)
    out(
        "Foreign CPU: processes outside the benchmark (other users of this shared machine) used "
        f"up to {noisy:.0%} of its CPU during a window; "
        + (
            "latencies and throughput are therefore pessimistic."
            if noisy > 0.10
            else "the machine was quiet."
        )
    )
    out()
    v = m["versions"]
    out(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python "
        f"{m['python']}; PostgreSQL {m['postgresql']} and Redis {m['redis']} on 127.0.0.1; "
        f"Django {v['Django']}, DRF {v['djangorestframework']}, gunicorn {v['gunicorn']}, "
        f"psycopg {v['psycopg']}; the load generator (http.client, one thread per virtual user, "
        f"up to {m['cores']} processes) runs on the same machine; run took "
        f"{report['duration_s']} s."
    )


def machine(args: argparse.Namespace, source: str, data: dict[str, Any]) -> dict[str, Any]:
    import platform
    from importlib import metadata

    import redis

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
        "postgresql": console.pg("postgres", "SHOW server_version")[0][0],
        "redis": redis.Redis.from_url(CACHE_URL).info("server")["redis_version"],
        "versions": {
            n: metadata.version(n)
            for n in ("Django", "djangorestframework", "gunicorn", "psycopg", "redis")
        },
        "aftersales_source": source,
        "data": data,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main(sys.argv[1:])
        return
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--steps", help="concurrency steps (default 1,2,4,8,16,32; quick 1,4)")
    parser.add_argument("--seconds", type=float, help="measured window per step (default 10)")
    parser.add_argument("--warmup", type=float, help="warm-up per step (default 2)")
    parser.add_argument("--rounds", type=int, help="rounds of the whole ladder (default 3)")
    parser.add_argument("--cases", type=int, help="cases loaded before the run (default 3000)")
    parser.add_argument(
        "--workers", type=int, default=2 * cores + 1, help="gunicorn sync workers (2 x cores + 1)"
    )
    parser.add_argument("--rev", help="measure this git revision instead of the working tree")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args()
    quick = args.quick
    args.steps = [int(s) for s in (args.steps or ("1,4" if quick else "1,2,4,8,16,32")).split(",")]
    args.seconds = args.seconds or (4.0 if quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.rounds = args.rounds or (1 if quick else 3)
    args.cases = args.cases or (2000 if quick else 3000)
    max_clients = max(args.steps)

    started = time.time()
    workdir = Path(tempfile.mkdtemp(prefix="load_bench-"))
    server: console.Server | None = None
    try:
        src = export_revision(args.rev, workdir) if args.rev else ROOT
        source = describe_source(args.rev)
        setup = LoadSetup(src, workdir)
        env = setup.ours_env(DB)
        log(f"setting up {DB} with {args.cases:,} cases; aftersales from {source}")
        flush_cache()
        console.recreate_database(DB)
        setup.collectstatic()
        console.wait_all([("migrate", setup.migrate_ours(DB))])
        cmd = [sys.executable, str(Path(__file__).resolve()), "_setup", "--users", str(max_clients),
               "--cases", str(args.cases)]  # fmt: skip
        fixtures = console.last_json(console.run(cmd, env=env, cwd=src))
        console.pg(DB, "VACUUM (ANALYZE)")
        rng = random.Random(12)
        working = list(fixtures["working"])
        rng.shuffle(working)
        users = fixtures["users"]
        for i, u in enumerate(users):
            u["pool_numbers"] = working[i::max_clients]
            if not u["pool_numbers"]:
                raise SystemExit(f"too few open cases for {max_clients} users; raise --cases")

        log(f"starting gunicorn ({args.workers} sync workers)")
        server = start_gunicorn(env, src, args.workers, workdir)
        # The sessions the setup signed in must work over HTTP (all are made alike; check two).
        check_session(server.port, users[0]["agent_cookie"], "/console/")
        check_session(server.port, users[-1]["contact_cookie"], "/portal/")
        ready = [
            {"token": u["token"], "agent_cookie": u["agent_cookie"],
             "contact_cookie": u["contact_cookie"], "pool_numbers": u["pool_numbers"]}
            for u in users
        ]  # fmt: skip
        assert server.process is not None
        cpu = LoadCpu(server.process.pid)
        rounds: list[list[dict[str, Any]]] = []
        for round_no in range(args.rounds):
            results = []
            for clients in args.steps:
                step = run_step(
                    server, ready, fixtures, clients, args.seconds, args.warmup, workdir, cpu
                )
                results.append(step)
                log(
                    f"round {round_no + 1}/{args.rounds}, {clients} clients: "
                    f"{step['throughput']:.1f} req/s, p95 reads {ms_text(step['read']['p95_ms'])}"
                    f" ms, writes {ms_text(step['write']['p95_ms'])} ms, errors {step['errors']}, "
                    f"busy {step['cpu_busy_share']:.0%}, foreign {step['foreign_share']:.0%}"
                )
                for sample in step["error_samples"]:
                    log(f"  error: {sample}")
            rounds.append(results)

        data = {
            "cases": console.pg(DB, "SELECT count(*) FROM cases_case")[0][0],
            "cases_loaded": args.cases,
            "by_status_loaded": fixtures["by_status"],
            "load_seconds": fixtures["load_seconds"],
            "customers": len(fixtures["customers"]),
        }
        report = build_report(args, rounds, machine(args, source, data))
        report["duration_s"] = round(time.time() - started, 1)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print_report(report)
        log(f"done in {report['duration_s']} s; results in {args.json}")
        if report["errors"]:
            for sample in report["error_samples"]:
                log(f"error: {sample}")
            log(f"FAILED: {report['errors']} error responses (see the JSON)")
            raise SystemExit(1)
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            console.drop_database(DB)
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
