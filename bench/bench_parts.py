"""Benchmark spare-part reservations (advance replacements) under 8 concurrent clients on
PostgreSQL, with no oversell, against a raw-SQL baseline measured in the same run.

Each round stocks a fresh depot with N good units, then C client threads (each with its own
database connection) call `replacement_create` (the service behind `POST /api/v1/replacements/`:
the 14:00 rule on the depot calendar, the numbered replacement row, the conditional stock update,
the ledger row, the case timeline entry) in a loop until the depot answers "out of stock" (409).
After the round it checks: exactly N replacements, N units reserved, none good, no negative stock,
and stock equal to the ledger. The baseline, in the same round, does the bare minimum in raw SQL
over psycopg with the same number of threads: one transaction per reservation with a conditional
`UPDATE ... WHERE quantity >= 1`, one ledger insert and one reservation insert.

Prints a Markdown table and the machine for docs/PERFORMANCE.md and writes
bench/results/parts.json. A fresh database is created and dropped on every run.

Usage (from the repository root, PostgreSQL at 127.0.0.1:5432 as user postgres, trust auth):
    .venv/bin/python bench/bench_parts.py [--quick] [--units N] [--rounds N] [--clients N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "parts.json"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "aftersales_bench_parts"

RAW_SETUP = """
DROP TABLE IF EXISTS bench_raw_stock, bench_raw_ledger, bench_raw_reservation;
CREATE TABLE bench_raw_stock (id int PRIMARY KEY, quantity int NOT NULL CHECK (quantity >= 0));
CREATE TABLE bench_raw_ledger (id bigserial PRIMARY KEY, at timestamptz NOT NULL,
    kind varchar(20) NOT NULL, stock_id int NOT NULL, quantity int NOT NULL,
    reference varchar(60) NOT NULL);
CREATE TABLE bench_raw_reservation (id bigserial PRIMARY KEY, number varchar(30) UNIQUE NOT NULL,
    stock_id int NOT NULL, ship_by timestamptz NOT NULL, created_at timestamptz NOT NULL);
"""


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu or platform.processor()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def run_threads(clients: int, work) -> float:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def body() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=body) for _ in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def main() -> int:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="40 units, one round")
    args = parser.parse_args()
    if args.quick:
        args.units, args.rounds = 40, 1

    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME} TEMPLATE template0 ENCODING 'UTF8'")
    url = f"{PG_SERVER}/{DB_NAME}"
    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-parts-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "bench-parts",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost",
            "LOG_LEVEL": "WARNING",
            "AFTERSALES_SCHEDULER_ENABLED": "false",
            "CELERY_BROKER_URL": "",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    log(f"migrating {url} ...")
    call_command("migrate", verbosity=0, skip_checks=True)

    from datetime import datetime
    from zoneinfo import ZoneInfo

    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.cases.services import case_create
    from aftersales.core.errors import Conflict
    from aftersales.customers.tests.factories import CustomerFactory, RegionFactory
    from aftersales.parts import services
    from aftersales.parts.models import Replacement, Stock
    from aftersales.parts.selectors import ledger_mismatches

    region = RegionFactory(code="east", name="华东区")
    customer = CustomerFactory(code="BENCH", name="上海市第一人民医院", region=region)
    clerk = UserFactory(role="parts_clerk", username="clerk")
    engineer = UserFactory(role="engineer", username="engineer")
    agent = UserFactory(role="agent", username="agent")
    cases = [
        case_create(
            by=agent,
            customer=customer,
            case_type="fault",
            channel="phone",
            severity="C-2",
            summary="电源模块故障",
            description="电源模块指示灯红色，需先行更换备件。",
        )
        for _ in range(args.clients)
    ]
    part = services.part_create(by=clerk, part_number="PSU-650W", name="电源模块 650W")
    confirmed = datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

    raw = psycopg.connect(url, autocommit=True)
    raw.execute(RAW_SETUP)

    ours: list[float] = []
    base: list[float] = []
    for rnd in range(args.rounds):
        depot = services.depot_create(by=clerk, code=f"B{rnd:02d}", name=f"库 {rnd}", region=region)
        services.stock_move(
            by=clerk,
            depot=depot,
            part=part,
            kind="receipt",
            to_condition="good",
            quantity=args.units,
        )
        conflicts = [0]

        def ours_client(i: int, depot=depot, conflicts=conflicts) -> None:  # noqa: ANN001
            try:
                while True:
                    try:
                        services.replacement_create(
                            by=engineer,
                            case=cases[i],
                            part=part,
                            depot=depot,
                            fault_confirmed_at=confirmed,
                        )
                    except Conflict:
                        conflicts[0] += 1
                        return
            finally:
                connection.close()

        counter = iter(range(args.clients))
        lock = threading.Lock()

        def ours_work(lock=lock, counter=counter, ours_client=ours_client) -> None:  # noqa: ANN001
            with lock:
                i = next(counter)
            ours_client(i)

        elapsed = run_threads(args.clients, ours_work)
        made = Replacement.objects.filter(depot=depot).count()
        good = Stock.objects.get(depot=depot, part=part, condition="good").quantity
        reserved = Stock.objects.get(depot=depot, part=part, condition="reserved").quantity
        problems = ledger_mismatches()
        if made != args.units or good != 0 or reserved != args.units or problems:
            log(f"OVERSELL OR MISMATCH: made={made} good={good} reserved={reserved} {problems}")
            return 1
        ours.append(args.units / elapsed)

        raw.execute("TRUNCATE bench_raw_ledger, bench_raw_reservation, bench_raw_stock")
        raw.execute("INSERT INTO bench_raw_stock VALUES (1, %s)", [args.units])
        seq = iter(range(10**9))

        def raw_work(lock=lock, seq=seq) -> None:  # noqa: ANN001
            with psycopg.connect(url) as c:
                while True:
                    with lock:
                        n = next(seq)
                    with c.transaction():
                        row = c.execute(
                            "UPDATE bench_raw_stock SET quantity = quantity - 1 "
                            "WHERE id = 1 AND quantity >= 1 RETURNING quantity"
                        ).fetchone()
                        if row is None:
                            return
                        number = f"RP-{n:08d}"
                        c.execute(
                            "INSERT INTO bench_raw_ledger (at, kind, stock_id, quantity, "
                            "reference) VALUES (now(), 'reservation', 1, 1, %s)",
                            [number],
                        )
                        c.execute(
                            "INSERT INTO bench_raw_reservation (number, stock_id, ship_by, "
                            "created_at) VALUES (%s, 1, now(), now())",
                            [number],
                        )

        elapsed = run_threads(args.clients, raw_work)
        n_raw = raw.execute("SELECT count(*) FROM bench_raw_reservation").fetchone()[0]
        left = raw.execute("SELECT quantity FROM bench_raw_stock").fetchone()[0]
        if n_raw != args.units or left != 0:
            log(f"RAW OVERSELL: {n_raw} {left}")
            return 1
        base.append(args.units / elapsed)
        log(f"round {rnd + 1}: ours {ours[-1]:.0f}/s, raw {base[-1]:.0f}/s")

    raw.close()
    connection.close()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")

    ratios = [b / o for o, b in zip(ours, base, strict=True)]
    out(
        "| clients | units per round | rounds | reservations/s, median (range) "
        "| raw SQL baseline/s, median (range) | baseline ÷ ours | oversold |"
    )
    out("|---:|---:|---:|---:|---:|---:|---:|")
    out(
        f"| {args.clients} | {args.units} | {args.rounds} "
        f"| {statistics.median(ours):.0f} ({min(ours):.0f}–{max(ours):.0f}) "
        f"| {statistics.median(base):.0f} ({min(base):.0f}–{max(base):.0f}) "
        f"| {statistics.median(ratios):.1f}× | 0 |"
    )
    out()
    out(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end.")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"clients": args.clients, "units": args.units, "ours": ours, "baseline": base},
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
