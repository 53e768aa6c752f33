"""Benchmark the e-mail intake: messages per second taken from a real Dovecot into cases.

What the script does, in one run:

1. Starts Dovecot on loopback (the test suite's fixture, `aftersales/mailin/tests/dovecot.py`)
   and creates a fresh PostgreSQL database `aftersales_bench_mailin` with the project's
   migrations (`--sqlite` uses a temporary SQLite file instead).
2. For each size (200 and 1,000 messages; `--quick`: 50) and each of `--repeat` rounds, delivers
   that many messages into a fresh IMAP account with APPEND: each from a known contact, a short
   Chinese text and a 100 KB attachment (a PDF-named file), each with its own Message-ID.
3. Baseline, measured in the same round on the same messages: a raw IMAP fetch (log in, select,
   UID SEARCH, one `UID FETCH BODY.PEEK[]` per message, as the intake does) without ingesting.
4. Times `mailbox_fetch` on the mailbox: fetch, parse, ledger row, case (with its SLA clocks and
   timeline), attachment stored, message marked on the server after the commit. Checks that
   every message became a case with its file.
5. Prints a Markdown table for docs/PERFORMANCE.md (medians of the rounds, ranges, the baseline
   and the ratio) and writes bench/results/mailin.json.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python bench/bench_mailin.py [--sizes 200 1000] [--repeat 3] [--quick] [--sqlite]
"""

from __future__ import annotations

import argparse
import imaplib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
RESULTS = BENCH / "results" / "mailin.json"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "aftersales_bench_mailin"
ATTACHMENT = b"%PDF-1.4\n" + bytes(range(256)) * 400  # 102,409 bytes


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
    dovecot = subprocess.run(  # noqa: S603
        ["/usr/sbin/dovecot", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{cpu or platform.processor()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Dovecot {dovecot}"
    )


def setup_database(use_sqlite: bool, workdir: Path) -> str:
    if use_sqlite:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME} TEMPLATE template0 ENCODING 'UTF8'")
    return f"{PG_SERVER}/{DB_NAME}"


def drop_database(use_sqlite: bool) -> None:
    if use_sqlite:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def build_messages(count: int, sender: str, tag: str) -> list[bytes]:
    from email.message import EmailMessage
    from email.utils import format_datetime

    from aftersales.core import clock

    raws = []
    for n in range(count):
        msg = EmailMessage()
        msg["From"] = f"张伟 <{sender}>"
        msg["To"] = "support@aftersales.example.cn"
        msg["Subject"] = f"设备故障报修 {tag}-{n}"
        msg["Date"] = format_datetime(clock.now())
        msg["Message-ID"] = f"<bench-{tag}-{n}@hospital.example.cn>"
        msg.set_content(f"三号机房的设备 {n} 启动时报错 E-102，请安排工程师。\n附件是日志。")
        msg.add_attachment(
            ATTACHMENT, maintype="application", subtype="pdf", filename=f"log-{n}.pdf"
        )
        raws.append(msg.as_bytes())
    return raws


def raw_fetch(port: int, username: str, password: str) -> int:
    """The baseline: fetch every message as the intake does, without ingesting."""
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=60)
    imap.login(username, password)
    imap.select("INBOX")
    _status, data = imap.uid("SEARCH", "ALL")
    uids = data[0].split()
    total = 0
    for uid in uids:
        _status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        total += len(parts[0][1])
    imap.logout()
    return len(uids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="50 messages, one round")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat = [50], 1

    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-mailin-"))
    url = setup_database(args.sqlite, workdir)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "bench-mailin",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "consolemail://",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    log(f"migrating {url} ...")
    call_command("migrate", verbosity=0)

    from aftersales.accounts.services import user_create
    from aftersales.customers.models import Contact, Customer, Region
    from aftersales.mailin.models import Mailbox
    from aftersales.mailin.services import mailbox_fetch
    from aftersales.mailin.tests.dovecot import Dovecot

    region = Region.objects.create(code="east", name="华东区")
    customer = Customer.objects.create(code="HOSP", name="上海市第一人民医院", region=region)
    contact = Contact.objects.create(customer=customer, name="张伟", email="zw@hospital.cn")
    user_create(by=None, username="bench-admin", role="admin")

    server = Dovecot(pool=len(args.sizes) * args.repeat * 2 + 2).start()
    rows = []
    try:
        for size in args.sizes:
            ingest_rates, baseline_rates = [], []
            for round_ in range(args.repeat):
                tag = f"{size}-{round_}"
                username, password = server.add_user()
                raws = build_messages(size, contact.email, tag)
                server.append(username, password, raws)
                started = time.perf_counter()
                assert raw_fetch(server.port, username, password) == size
                baseline = time.perf_counter() - started
                mailbox = Mailbox.objects.create(
                    name=f"bench-{tag}",
                    host="127.0.0.1",
                    port=server.port,
                    security="plain",
                    username=username,
                    password=password,
                    fetch_since=None,
                )
                started = time.perf_counter()
                result = mailbox_fetch(mailbox=mailbox, limit=size)
                elapsed = time.perf_counter() - started
                assert (result.new, result.quarantined, result.error) == (size, 0, ""), result
                from aftersales.cases.models import Attachment, Case

                assert Case.objects.filter(summary__endswith=f" {tag}-0").count() == 1
                assert Attachment.objects.filter(name="log-0.pdf").count() >= round_ + 1
                ingest_rates.append(size / elapsed)
                baseline_rates.append(size / baseline)
                log(
                    f"{size} messages, round {round_ + 1}: ingest {size / elapsed:.1f} msg/s, "
                    f"raw fetch {size / baseline:.1f} msg/s"
                )
            rows.append(
                {
                    "messages": size,
                    "ingest_median": statistics.median(ingest_rates),
                    "ingest_range": [min(ingest_rates), max(ingest_rates)],
                    "baseline_median": statistics.median(baseline_rates),
                    "baseline_range": [min(baseline_rates), max(baseline_rates)],
                    "ratio": statistics.median(
                        [b / i for b, i in zip(baseline_rates, ingest_rates, strict=True)]
                    ),
                    "rounds": args.repeat,
                }
            )
    finally:
        server.stop()
        drop_database(args.sqlite)
        shutil.rmtree(workdir, ignore_errors=True)

    database = "SQLite" if args.sqlite else "PostgreSQL"
    out(f"Machine: {machine()}; database: {database}.")
    out()
    out(
        "| messages (100 KB attachment each) | ingest msg/s, median (range) "
        "| raw IMAP fetch msg/s, median (range) | fetch ÷ ingest |"
    )
    out("|---:|---:|---:|---:|")
    for row in rows:
        out(
            f"| {row['messages']} | {row['ingest_median']:.1f} "
            f"({row['ingest_range'][0]:.1f}–{row['ingest_range'][1]:.1f}) "
            f"| {row['baseline_median']:.1f} "
            f"({row['baseline_range'][0]:.1f}–{row['baseline_range'][1]:.1f}) "
            f"| {row['ratio']:.1f}× |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": machine(), "database": database, "rows": rows}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
