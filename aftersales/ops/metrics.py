"""Prometheus metrics.

Request rate and latency are counted per process by the middleware. Under gunicorn with several
workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (the same for all workers of one
machine) before the server starts; the endpoint then adds up every worker's figures.

Figures that belong to the whole installation rather than one process (open cases, SLA clocks by
state, Celery queue depth, the last SLA sweep) are read at scrape time: from the database (cached
for ``OPS_METRICS_CACHE_SECONDS``), from the broker, and from the shared cache where the SLA sweep
task records each run, so any web process reports them whichever machine ran the sweep.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

REQUESTS = Counter(
    "aftersales_http_requests",
    "HTTP requests answered, by method, URL route and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "aftersales_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and URL route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.75, 1.0, 2.5, 5.0, 10.0),
)

SWEEP_KEY = "ops:sla-sweep"
SWEEP_COUNTERS = ("runs", "clocks", "warnings", "breaches", "escalations", "notifications")


def record_sla_sweep(*, seconds: float, result: dict[str, int]) -> None:
    """Remember one SLA sweep in the shared cache (called by the sweep task)."""
    cache.set(f"{SWEEP_KEY}:last", {"seconds": seconds, "at": time.time()}, None)
    for name in SWEEP_COUNTERS:
        key = f"{SWEEP_KEY}:{name}"
        amount = 1 if name == "runs" else int(result.get(name, 0))
        if not amount:
            continue
        cache.add(key, 0, None)
        try:
            cache.incr(key, amount)
        except ValueError:  # evicted between add and incr
            cache.set(key, amount, None)


def _database_figures() -> dict[str, Any]:
    from aftersales.cases.models import Case
    from aftersales.cases.transitions import OPEN
    from aftersales.sla.choices import ClockState
    from aftersales.sla.models import SlaClock

    key = "ops:metrics:database"
    figures = cache.get(key)
    if figures is None:
        states = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
        clocks = dict.fromkeys(states, 0)
        for row in SlaClock.objects.filter(state__in=states).values("state").annotate(n=_count()):
            clocks[row["state"]] = row["n"]
        figures = {
            "open_cases": Case.objects.filter(status__in=OPEN).count(),
            "clocks": {str(k): v for k, v in clocks.items()},
        }
        cache.set(key, figures, settings.OPS_METRICS_CACHE_SECONDS)
    return figures


def _count() -> Any:
    from django.db.models import Count

    return Count("pk")


def _queue_lengths() -> dict[str, int]:
    url = settings.CELERY_BROKER_URL
    if (
        not url
        or settings.CELERY_TASK_ALWAYS_EAGER
        or not url.startswith(("redis://", "rediss://"))
    ):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return {queue: int(client.llen(queue)) for queue in settings.OPS_METRICS_QUEUES}
    finally:
        client.close()


class InstallationCollector(Collector):
    """Installation-wide figures, computed when Prometheus scrapes."""

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily(
            "aftersales_metrics_source_up",
            "Whether a source of the installation-wide figures answered (1) or not (0).",
            labels=["source"],
        )
        try:
            figures = _database_figures()
        except Exception:
            up.add_metric(["database"], 0)
        else:
            up.add_metric(["database"], 1)
            open_cases = GaugeMetricFamily("aftersales_cases_open", "Cases not yet closed.")
            open_cases.add_metric([], figures["open_cases"])
            yield open_cases
            clocks = GaugeMetricFamily(
                "aftersales_sla_clocks",
                "SLA clocks still counting or breached, by state.",
                labels=["state"],
            )
            for state, n in sorted(figures["clocks"].items()):
                clocks.add_metric([state], n)
            yield clocks
        try:
            queues = _queue_lengths()
        except Exception:
            up.add_metric(["broker"], 0)
        else:
            if queues:
                up.add_metric(["broker"], 1)
                depth = GaugeMetricFamily(
                    "aftersales_celery_queue_length",
                    "Tasks waiting in a Celery queue.",
                    labels=["queue"],
                )
                for queue, n in queues.items():
                    depth.add_metric([queue], n)
                yield depth
        yield up
        last = cache.get(f"{SWEEP_KEY}:last")
        if last:
            duration = GaugeMetricFamily(
                "aftersales_sla_sweep_last_duration_seconds", "Wall time of the last SLA sweep."
            )
            duration.add_metric([], last["seconds"])
            yield duration
            at = GaugeMetricFamily(
                "aftersales_sla_sweep_last_run_timestamp_seconds",
                "When the last SLA sweep finished (Unix time).",
            )
            at.add_metric([], last["at"])
            yield at
        fired = CounterMetricFamily(
            "aftersales_sla_sweep",
            "SLA sweep runs and what they fired (warnings, breaches, escalations, notifications).",
            labels=["what"],
        )
        for name in SWEEP_COUNTERS:
            fired.add_metric([name], cache.get(f"{SWEEP_KEY}:{name}") or 0)
        yield fired


def exposition() -> tuple[bytes, str]:
    """The metrics page: this process's (or all workers') figures plus the installation's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    installation = CollectorRegistry()
    installation.register(InstallationCollector())
    return body + generate_latest(installation), CONTENT_TYPE_LATEST
