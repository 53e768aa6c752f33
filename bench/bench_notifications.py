"""Benchmark notification throughput: events fanned out, e-mails and webhooks delivered per second.

What the script does, in one run:

1. Creates a fresh PostgreSQL database `aftersales_bench_notifications` with the project's
   migrations (`--sqlite` uses a temporary SQLite file instead), starts a real SMTP server
   (aiosmtpd) and a real HTTP receiver (`http.server`, threaded) on loopback, each in its own
   process (so they do not share the benchmark's GIL).
2. For each size (200 and 1,000 events; `--quick`: 50) and each of `--repeat` rounds, opens that
   many cases through `case_create` (each for its own contact, so each acknowledgement goes to a
   different address; not timed), which writes one outbox event per case.
3. E-mail rounds (webhooks off, contacts on e-mail only): times `events_fan_out` (events → rendered
   deliveries: recipients, preferences, templates in the contact's language, Message-IDs) and
   `deliveries_send` (claim with a lease, SMTP over one connection per batch, log each result).
   Baseline in the same round: raw `smtplib` sends of the very same messages over one connection
   (no database, no rendering). Checks that every message arrived exactly once.
4. Webhook rounds (one active endpoint, contacts' e-mail off): the same two timings; baseline:
   raw signed POSTs of the same bodies with `urllib` (one request each, as the sender does).
5. Prints Markdown tables for docs/PERFORMANCE.md (medians of the rounds, ranges, baselines and
   ratios) and writes bench/results/notifications.json.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_notifications.py [--sizes 200 1000] [--repeat 3] [--quick]
        [--sqlite]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
RESULTS = BENCH / "results" / "notifications.json"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "aftersales_bench_notifications"


def log(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup_database(use_sqlite: bool, workdir: Path) -> str:
    if use_sqlite:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME} TEMPLATE template0 ENCODING 'UTF8'")
    return f"{PG_SERVER}/{DB_NAME}"


def drop_database(use_sqlite: bool) -> None:
    if use_sqlite:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


SERVERS = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from aiosmtpd.controller import Controller

kind, port, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
log = open(log_path, "a", buffering=1)
lock = threading.Lock()

class Smtp:
    async def handle_DATA(self, server, session, envelope):
        with lock:
            log.write("\n".join(envelope.rcpt_tos) + "\n")
        return "250 OK"

class Http(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            log.write("hit\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass

if kind == "smtp":
    controller = Controller(Smtp(), hostname="127.0.0.1", port=port)
    controller.start()
else:
    server = ThreadingHTTPServer(("127.0.0.1", port), Http)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""


class Server:
    """A loopback SMTP or HTTP server in its own process (no GIL shared with the sender); it
    appends one line per recipient or request to a log file."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / f"{kind}.log"
        self.log.touch()
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, "-c", SERVERS, kind, str(self.port), str(self.log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def summarize(name: str, size: int, rates: dict[str, list[float]]) -> dict[str, Any]:
    row: dict[str, Any] = {"channel": name, "events": size}
    for key, values in rates.items():
        row[key] = {"median": statistics.median(values), "range": [min(values), max(values)]}
    row["ratio"] = statistics.median(
        [b / s for b, s in zip(rates["baseline"], rates["send"], strict=True)]
    )
    return row


def main() -> int:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50 events, one round")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database")
    parser.add_argument("--profile", action="store_true", help="cProfile of the last round")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat = [50], 1

    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-notifications-"))
    smtp_server = Server("smtp", workdir)
    http_server = Server("http", workdir)
    smtp_port = smtp_server.port
    hook_url = f"http://127.0.0.1:{http_server.port}/hook"
    url = setup_database(args.sqlite, workdir)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "bench-notifications",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "NOTIFICATIONS_FROM_EMAIL": "service@aftersales.example.cn",
            "NOTIFICATIONS_SMS_BACKEND": "aftersales.notifications.sms.LocmemSmsBackend",
            "AFTERSALES_SCHEDULER_ENABLED": "false",
            "CELERY_BROKER_URL": "",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    log(f"migrating {url} ...")
    call_command("migrate", verbosity=0)

    from aftersales.accounts.services import user_create
    from aftersales.cases.services import case_create
    from aftersales.customers.models import Contact, Customer, Region
    from aftersales.notifications import webhooks
    from aftersales.notifications.http import post
    from aftersales.notifications.models import Delivery, WebhookEndpoint
    from aftersales.notifications.services import (
        customer_preferences_set,
        deliveries_send,
        email_message,
        events_fan_out,
    )

    region = Region.objects.create(code="east", name="华东区")
    customer = Customer.objects.create(code="HOSP", name="上海市第一人民医院", region=region)
    admin = user_create(by=None, username="bench-admin", role="admin")
    agent = user_create(by=None, username="bench-agent", role="agent")
    endpoint = WebhookEndpoint.objects.create(name="ERP", url=hook_url, is_active=False)

    def open_cases(size: int, tag: str) -> list[Contact]:
        contacts = Contact.objects.bulk_create(
            [
                Contact(customer=customer, name=f"联系人{n}", email=f"c{tag}-{n}@hospital.cn")
                for n in range(size)
            ]
        )
        for person in contacts:
            case_create(
                by=agent,
                customer=customer,
                contact=person,
                case_type="fault",
                channel="phone",
                severity="C-2",
                summary="核心交换机端口频繁掉线",
            )
        return contacts

    rows = []
    try:
        for channel in ("email", "webhook"):
            if channel == "email":
                endpoint.is_active = False
                customer_preferences_set(
                    by=admin, customer=customer, choices={"case_created": ["email"]}
                )
            else:
                endpoint.is_active = True
                customer_preferences_set(by=admin, customer=customer, choices={"case_created": []})
            endpoint.save()
            # Warm-up (not measured): a worker runs every few seconds, so URL resolvers,
            # templates and translations are loaded long before real traffic.
            open_cases(10, f"{channel}-warm")
            events_fan_out()
            deliveries_send(budget_seconds=3600)
            for size in args.sizes:
                rates: dict[str, list[float]] = {"fan_out": [], "send": [], "baseline": []}
                for round_ in range(args.repeat):
                    tag = f"{channel}-{size}-{round_}"
                    contacts = open_cases(size, tag)
                    profiler = cProfile.Profile() if args.profile else None
                    if profiler:
                        profiler.enable()
                    started = time.perf_counter()
                    fanned = events_fan_out()
                    fan_out = time.perf_counter() - started
                    assert fanned.events == size, fanned
                    before = len(http_server.lines())
                    started = time.perf_counter()
                    sent = deliveries_send(budget_seconds=3600)
                    send = time.perf_counter() - started
                    if profiler:
                        profiler.disable()
                        text = io.StringIO()
                        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
                        (BENCH / "results").mkdir(exist_ok=True)
                        (BENCH / "results" / f"notifications_profile_{channel}.txt").write_text(
                            text.getvalue()
                        )
                    assert sent.sent == size, sent
                    assert sent.failed == sent.retried == 0, sent
                    rows_sent = list(
                        Delivery.objects.filter(channel=channel, status="sent")
                        .select_related("case", "endpoint")
                        .order_by("-id")[:size]
                    )
                    if channel == "email":
                        received = Counter(smtp_server.lines())
                        assert all(received[p.email] == 1 for p in contacts)
                        messages = [email_message(d).message() for d in rows_sent]
                        started = time.perf_counter()
                        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as raw:
                            for d, message in zip(rows_sent, messages, strict=True):
                                raw.sendmail(
                                    "service@aftersales.example.cn",
                                    [d.address],
                                    message.as_bytes(linesep="\r\n"),
                                )
                        baseline = time.perf_counter() - started
                    else:
                        assert len(http_server.lines()) - before == size
                        started = time.perf_counter()
                        for d in rows_sent:
                            body = d.body.encode()
                            stamp = str(int(time.time()))
                            status, _excerpt = post(
                                hook_url,
                                body,
                                headers={
                                    "Content-Type": "application/json",
                                    webhooks.TIMESTAMP_HEADER: stamp,
                                    webhooks.SIGNATURE_HEADER: webhooks.sign(
                                        endpoint.secret, stamp, body
                                    ),
                                },
                                timeout=30,
                            )
                            assert status == 200
                        baseline = time.perf_counter() - started
                    rates["fan_out"].append(size / fan_out)
                    rates["send"].append(size / send)
                    rates["baseline"].append(size / baseline)
                    log(
                        f"{channel} {size}, round {round_ + 1}: fan-out {size / fan_out:.0f}/s, "
                        f"send {size / send:.0f}/s, raw {size / baseline:.0f}/s"
                    )
                rows.append(summarize(channel, size, rates))
    finally:
        smtp_server.stop()
        http_server.stop()
        drop_database(args.sqlite)
        shutil.rmtree(workdir, ignore_errors=True)

    database = "SQLite" if args.sqlite else "PostgreSQL"
    out(f"Machine: {machine()}; database: {database}; {args.repeat} rounds per size.")
    out()
    out(
        "| channel | events | fan-out events/s, median (range) | delivered/s, median (range) "
        "| raw baseline/s, median (range) | baseline ÷ delivered |"
    )
    out("|---|---:|---:|---:|---:|---:|")

    def cell(value: dict[str, Any]) -> str:
        low, high = value["range"]
        return f"{value['median']:.0f} ({low:.0f}–{high:.0f})"

    for row in rows:
        out(
            f"| {row['channel']} | {row['events']} | {cell(row['fan_out'])} | {cell(row['send'])} "
            f"| {cell(row['baseline'])} | {row['ratio']:.1f}× |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": machine(), "database": database, "rows": rows}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
