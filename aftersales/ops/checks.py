"""Readiness checks: can this process serve requests right now?

Liveness (``/healthz``) only says the process answers; readiness (``/readyz``) checks what a request
needs: the database (and that no migration is pending), the cache, and the Celery broker when one is
configured. A load balancer stops sending traffic to a process whose readiness fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

# Whether migrations were seen complete; once they are, a process does not re-check them.
_migrated: dict[str, bool] = {}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail, "ms": round(self.ms, 1)}


def _timed(name: str, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # a probe reports any failure; it never raises
        detail = f"{type(exc).__name__}: {exc}".strip()[:300]
        ok = False
    return Check(name, ok, detail, (time.perf_counter() - started) * 1000)


def _database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    if not _migrated.get(connection.alias):
        plan = MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        if plan:
            raise RuntimeError(f"{len(plan)} migration(s) not applied")
        _migrated[connection.alias] = True
    return connection.vendor


def _cache() -> str:
    key = "ops:readyz"
    value = str(time.time())
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was stored")
    return type(cache).__name__


def _broker() -> str:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return str(conn.transport_cls)


def readiness() -> list[Check]:
    checks = [_timed("database", _database), _timed("cache", _cache)]
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks.append(_timed("broker", _broker))
    return checks
