"""Benchmark the phone and chat channels: CTI webhook events, inbound SMS and the console poll,
against a directory of many known numbers and a long call history, in PostgreSQL.

What is timed (in-process, Django's test client: the whole request path — middleware, signature
check, JSON, services, templates — without a network hop), each as the median of `--repeat`
requests, and the SQL statements of one request:

- baseline: `GET /api/v1/users/me/` by a signed-in agent, the cheapest authenticated API request,
  measured in the same run on the same database (what a request costs here at all);
- a CTI event (`POST /api/v1/cti/calls/`, signed): `ringing` from a known contact (the caller
  looked up among all known numbers, the call put on their open case), `answered`, and `ended`
  (the timeline note written); `ringing` from an unknown number;
- an inbound SMS (`POST /api/v1/sms/inbound/`, signed) from a known contact: a public comment on
  their open case;
- the console poll (`GET /channels/console/poll/`) that every open console page sends every few
  seconds: "nothing changed" (204, the common case) and a changed screen-pop (rendered).

Each size N loads N contacts (a mobile and an office phone each: 2N known numbers), N ended calls
spread over 20 agents (the pop's index must skip them), and a few open cases for the callers.

Usage (repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_channels.py [--quick] [--sizes 10000,100000] [--repeat N]
`--quick`: sizes 1,000 and 10,000, 15 repeats. Prints a Markdown table for docs/PERFORMANCE.md
and writes bench/results/channels.json.
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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "channels.json"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB = "aftersales_bench_channels"
SECRET = "bench-cti-secret"  # noqa: S105 (a throwaway secret of a throwaway database)


def log(line: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    sys.stderr.flush()


def pg(dbname: str, *statements: str) -> list[Any]:
    import psycopg

    rows: list[Any] = []
    with psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement)  # type: ignore[arg-type]
            rows = cursor.fetchall() if cursor.description else []
    return rows


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{DB}",
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
        "CELERY_BROKER_URL": "",
        "CHANNELS_CTI_SECRET": SECRET,
        "CHANNELS_SMS_SECRET": SECRET,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }


def fresh_database() -> None:
    pg(
        "postgres",
        f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)",
        f"CREATE DATABASE {DB} TEMPLATE template0 ENCODING 'UTF8' "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
    )
    result = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "aftersales"), "migrate", "--noinput", "-v", "0"],
        env=env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"migrate failed:\n{result.stdout}\n{result.stderr}")


def load(n: int) -> dict[str, Any]:
    """Load n contacts (2n known numbers) and n ended calls; return the people to act as."""
    from django.db import connection

    from aftersales.accounts.models import User
    from aftersales.accounts.tests.factories import UserFactory
    from aftersales.cases.services import case_create
    from aftersales.channels.models import Call
    from aftersales.channels.services.directory import known_numbers_rebuild
    from aftersales.core import clock
    from aftersales.customers.models import Contact, Customer, Region

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE channels_call, channels_knownnumber, channels_webhookevent, "
            "channels_smsmessage, channels_chat, cases_case, customers_contact, "
            "customers_customer, customers_region CASCADE"
        )
    User.objects.exclude(username__in=["bench_agent"]).delete()
    region = Region.objects.create(code="east", name="华东区")
    customers = Customer.objects.bulk_create(
        Customer(code=f"C{i:03d}", name=f"客户{i}", region=region) for i in range(50)
    )
    Contact.objects.bulk_create(
        (
            Contact(
                customer=customers[i % 50],
                name=f"联系人{i}",
                mobile=f"139{i:08d}",
                phone=f"021-6{i:07d}",
            )
            for i in range(n)
        ),
        batch_size=5000,
    )
    known = known_numbers_rebuild()
    agent = User.objects.filter(username="bench_agent").first() or UserFactory(
        username="bench_agent", role="agent"
    )
    agent.phone_extension = "8001"
    agent.is_available = True
    agent.save()
    others = [
        UserFactory(username=f"bench_agent_{i}", role="agent", phone_extension=f"81{i:02d}")
        for i in range(19)
    ]
    agents = [agent, *others]
    now = clock.now()
    Call.objects.bulk_create(
        (
            Call(
                external_id=f"old-{i}",
                caller_number=f"139{i:08d}",
                caller_normalized=f"+86139{i:08d}",
                callee=agents[i % 20].phone_extension,
                agent=agents[i % 20],
                state="ended",
                started_at=now - timedelta(minutes=i),
                answered_at=now - timedelta(minutes=i),
                ended_at=now - timedelta(minutes=i) + timedelta(seconds=90),
            )
            for i in range(n)
        ),
        batch_size=5000,
    )
    caller = Contact.objects.get(mobile="13900000007")
    case_create(
        by=agent,
        customer=caller.customer,
        contact=caller,
        case_type="fault",
        channel="phone",
        severity="C-2",
        summary="核心交换机端口频繁掉线",
    )
    pg(DB, "VACUUM ANALYZE")
    return {"agent": agent, "known_numbers": known}


def timed(request: Any, repeat: int) -> tuple[float, int]:
    """Return the median milliseconds of ``request()`` (after two warm-ups) and its statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        request(-1)
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        request(i)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        request(repeat)
    statements = [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    return statistics.median(samples), len(statements)


def measure(n: int, repeat: int, people: dict[str, Any]) -> list[dict[str, Any]]:
    from django.test import Client

    from aftersales.channels import signing

    agent = people["agent"]
    staff = Client()
    staff.force_login(agent)
    hook = Client()
    counter = {"call": 0}

    def post(path: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        ts = int(time.time())
        response = hook.post(
            path,
            data=body,
            content_type="application/json",
            HTTP_X_AFTERSALES_TIMESTAMP=str(ts),
            HTTP_X_AFTERSALES_SIGNATURE=signing.sign(SECRET, ts, body),
        )
        assert response.status_code == 200, response.content

    def event(kind: str, caller: str, call_id: str) -> None:
        post(
            "/api/v1/cti/calls/",
            {"call_id": call_id, "event": kind, "caller": caller, "callee": "8001"},
        )

    rows = []

    def row(name: str, fn: Any) -> None:
        median, statements = timed(fn, repeat)
        rows.append({"size": n, "request": name, "median_ms": median, "statements": statements})
        log(f"N={n} {name}: {median:.2f} ms, {statements} statements")

    def me(_i: int) -> None:
        response = staff.get("/api/v1/users/me/")
        assert response.status_code == 200, (response.status_code, response.get("Location"))

    row("baseline: GET /api/v1/users/me/", me)

    def ringing_known(i: int) -> None:
        counter["call"] += 1
        event("ringing", "+86 139 0000 0007", f"bench-{n}-{counter['call']}")

    row("CTI ringing, known contact (call put on their open case)", ringing_known)

    def answered(_i: int) -> None:
        event("answered", "+86 139 0000 0007", f"bench-{n}-{counter['call']}")
        counter["call"] += 1
        event("ringing", "+86 139 0000 0007", f"bench-{n}-{counter['call']}")

    # answered of the last rung call, plus the next ringing (subtract the ringing median below)
    row("CTI ringing + answered", answered)

    def ended(_i: int) -> None:
        event("ended", "+86 139 0000 0007", f"bench-{n}-{counter['call']}")
        counter["call"] += 1
        event("ringing", "+86 139 0000 0007", f"bench-{n}-{counter['call']}")

    row("CTI ringing + ended (timeline note written)", ended)

    def ringing_unknown(i: int) -> None:
        counter["call"] += 1
        event("ringing", "0571-8765 4321", f"bench-{n}-{counter['call']}")

    row("CTI ringing, unknown number", ringing_unknown)

    def sms(i: int) -> None:
        counter["call"] += 1
        post(
            "/api/v1/sms/inbound/",
            {"message_id": f"sms-{n}-{counter['call']}", "sender": "13900000007", "text": "好的"},
        )

    row("SMS from a known contact (comment on the open case)", sms)

    from aftersales.channels.models import Call

    Call.objects.filter(agent=agent).update(dismissed_at=datetime.now().astimezone())
    counter["call"] += 1
    event("ringing", "+86 139 0000 0007", f"bench-{n}-pop")
    first = staff.get("/channels/console/poll/")
    fingerprint = first.content.decode().split("?fp=", 1)[1].split('"', 1)[0]

    def poll_same(_i: int) -> None:
        assert staff.get(f"/channels/console/poll/?fp={fingerprint}").status_code == 204

    row("console poll, nothing changed (204)", poll_same)

    def poll_render(_i: int) -> None:
        assert staff.get("/channels/console/poll/").status_code == 200

    row("console poll, screen-pop rendered", poll_render)
    return rows


def machine() -> dict[str, Any]:
    from importlib import metadata

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": metadata.version("Django"),
        "postgresql": pg("postgres", "SHOW server_version")[0][0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="")
    parser.add_argument("--repeat", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s] or (
        [1000, 10000] if args.quick else [10000, 100000]
    )
    repeat = args.repeat or (15 if args.quick else 60)
    fresh_database()
    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    rows: list[dict[str, Any]] = []
    try:
        for n in sizes:
            log(f"loading N={n}")
            people = load(n)
            rows += measure(n, repeat, people)
    finally:
        from django.db import connections

        connections.close_all()
        with contextlib.suppress(Exception):
            pg("postgres", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    info = machine()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": info, "rows": rows}, indent=2, ensure_ascii=False))
    print(
        f"Machine: {info['cpu']}, {info['cores']} cores; {info['os']}; Python {info['python']}, "
        f"Django {info['django']}, PostgreSQL {info['postgresql']}; {info['date']}; "
        f"median of {repeat} requests each.\n"
    )
    header = "| request | " + " | ".join(f"N = {n:,} ms (SQL)" for n in sizes) + " |"
    print(header)
    print("|---|" + "---:|" * len(sizes))
    for name in dict.fromkeys(r["request"] for r in rows):
        cells = [
            f"{r['median_ms']:.2f} ({r['statements']})"
            for n in sizes
            for r in rows
            if r["request"] == name and r["size"] == n
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
