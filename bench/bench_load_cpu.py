"""Application CPU of the load test's reads, request by request, at two revisions.

bench_load.py measures the CPU of gunicorn over the whole mix from /proc; this splits it by
read: each request of the mix's reads (``GET /console/cases/<number>/`` as an agent,
``GET /portal/`` as a customer contact, ``GET /api/v1/cases/?status=...`` with a token) is
made in-process through the whole middleware stack with Django's test client (the product's
settings as bench_load serves them: DEBUG off, PostgreSQL, Redis cache and sessions) and its
CPU time taken with ``time.process_time()``; also the statements each one runs. Every
revision is measured in its own process against the same database, alternately, for
``--rounds`` rounds; the table gives the medians over all requests and the ratio.

It needs bench_load.py's database, kept: run ``bench/bench_load.py --keep`` (or ``--quick
--keep``) first. Reads only (sessions aside: it signs its users in).

Usage (from the repository root):
    .venv/bin/python bench/bench_load_cpu.py [--before REV] [--after REV] [--n N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_load as load  # noqa: E402 -- the load test's database, users and environment
from bench_case_create import describe_source, export_revision, log, out  # noqa: E402

OPERATIONS = ("case_page", "portal", "list")


def child(args: argparse.Namespace) -> None:
    """Make ``args.n`` requests of each read in-process; print CPU ms and statement counts."""
    import warnings

    warnings.filterwarnings("ignore")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from aftersales.accounts.models import User
    from aftersales.cases.models import Case

    agent = User.objects.get(username=load.AGENT.format(i=0))
    contact = User.objects.get(username=load.CONTACT.format(i=0))
    token = Token.objects.get(user=agent).key
    console = Client(HTTP_HOST="127.0.0.1")
    console.force_login(agent)
    portal = Client(HTTP_HOST="127.0.0.1")
    portal.force_login(contact)
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    numbers = list(Case.objects.order_by("id").values_list("number", flat=True))
    rng = random.Random(args.seed)

    def request(op: str) -> None:
        if op == "case_page":
            response = console.get(f"/console/cases/{rng.choice(numbers)}/")
        elif op == "portal":
            response = portal.get("/portal/")
        else:
            response = api.get(f"/api/v1/cases/?status={rng.choice(load.OPEN_STATUSES)}")
        if response.status_code != 200:
            raise SystemExit(f"{op}: {response.status_code}")

    result: dict[str, Any] = {}
    for op in OPERATIONS:
        for _ in range(10):  # warm-up: templates, calendars, connections
            request(op)
        cpu = []
        for _ in range(args.n):
            began = time.process_time()
            request(op)
            cpu.append((time.process_time() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            request(op)
        result[op] = {"cpu_ms": cpu, "statements": str(len(queries.captured_queries))}
    # The case page's statements depend on the case: one closed (most of the history) and one
    # open (the dispatch panel ranks engineers, the parts and quote panels offer their forms).
    counts = []
    for status in (["closed"], load.WORKING):
        number = Case.objects.filter(status__in=status).order_by("id").values_list("number")[0][0]
        console.get(f"/console/cases/{number}/")
        with CaptureQueriesContext(connection) as queries:
            console.get(f"/console/cases/{number}/")
        counts.append(str(len(queries.captured_queries)))
    result["case_page"]["statements"] = " / ".join(counts)
    out(json.dumps(result))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        parser = argparse.ArgumentParser()
        parser.add_argument("mode")
        parser.add_argument("--n", type=int)
        parser.add_argument("--seed", type=int)
        child(parser.parse_args())
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision (default HEAD)")
    parser.add_argument("--after", help="git revision (default: the working tree)")
    parser.add_argument("--n", type=int, default=60, help="requests of each read per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="load_cpu-"))
    sources = {}
    for name, rev in (("before", args.before), ("after", args.after)):
        (workdir / name).mkdir()
        src = export_revision(rev, workdir / name) if rev else load.ROOT
        setup = load.LoadSetup(src, workdir / name)
        setup.collectstatic()
        sources[name] = (describe_source(rev), setup.ours_env(load.DB), src)
    samples: dict[str, dict[str, list[float]]] = {n: {op: [] for op in OPERATIONS} for n in sources}
    statements: dict[str, dict[str, str]] = {n: {} for n in sources}
    for round_no in range(args.rounds):
        for name, (_label, env, src) in sources.items():
            cmd = [sys.executable, str(Path(__file__).resolve()), "_child", "--n", str(args.n),
                   "--seed", str(round_no)]  # fmt: skip
            done = subprocess.run(cmd, env=env, cwd=src, capture_output=True, text=True)  # noqa: S603
            if done.returncode != 0:
                raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            for op in OPERATIONS:
                samples[name][op].extend(result[op]["cpu_ms"])
                statements[name][op] = result[op]["statements"]
            log(
                f"round {round_no + 1}/{args.rounds} {name}: "
                + ", ".join(
                    f"{op} {statistics.median(result[op]['cpu_ms']):.1f} ms" for op in OPERATIONS
                )
            )
    out(f"Before: {sources['before'][0]}; after: {sources['after'][0]}.")
    out(
        f"{args.n} requests of each read per round, {args.rounds} rounds, the two alternating; "
        f"load average at the end {os.getloadavg()[0]:.1f}."
    )
    out()
    out(
        "| read | CPU ms before (median) | after | after / before "
        "| statements before → after (case page: a closed / an open case) |"
    )
    out("|---|---:|---:|---:|---:|")
    for op in OPERATIONS:
        before = statistics.median(samples["before"][op])
        after = statistics.median(samples["after"][op])
        out(
            f"| {op} | {before:.1f} | {after:.1f} | {after / before:.2f} | "
            f"{statements['before'][op]} → {statements['after'][op]} |"
        )
    weights = {name: weight for name, _kind, weight in load.MIX if name in OPERATIONS}
    total = sum(weights.values())
    mixed = {
        name: sum(statistics.median(samples[name][op]) * weights[op] for op in OPERATIONS) / total
        for name in sources
    }
    out(
        f"| reads of the mix (weighted {', '.join(f'{op} {w} %' for op, w in weights.items())}) "
        f"| {mixed['before']:.1f} | {mixed['after']:.1f} | {mixed['after'] / mixed['before']:.2f} "
        "| |"
    )


if __name__ == "__main__":
    main()
