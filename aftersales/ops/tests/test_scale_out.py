"""Two web processes and two Celery workers on one PostgreSQL and one Redis.

Cases are opened through both web processes over HTTP; sweeps are queued many times through Redis
and taken by both workers at once; every escalation exists exactly once.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from aftersales.accounts.services import token_get_or_create
from aftersales.cases.models import Case, CaseEvent
from aftersales.config.celery import app as celery_app
from aftersales.sla.models import Escalation
from aftersales.sla.tasks import sla_sweep_task
from aftersales.sla.tests.helpers import asset_with_contract

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
CASES = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "SECRET_KEY": "scale-out-test",
        "DEBUG": "true",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
    }


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own processes
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"web process on {port} did not come up")


def _post(port: int, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback http
        assert response.status in (200, 201)
        return json.loads(response.read())


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_web_processes_and_two_workers_escalate_each_case_once(
    agent, customer, region, make_user
):
    if connection.vendor != "postgresql":
        pytest.skip("processes share a server database: runs in the PostgreSQL pass")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    region.supervisor = make_user("supervisor", username="sup")
    region.save()
    asset = asset_with_contract(customer)
    token = token_get_or_create(user=agent)
    queue = f"scale-{uuid.uuid4().hex[:8]}"
    ports = [_free_port(), _free_port()]
    webs = [
        _start(["gunicorn", "aftersales.config.wsgi", "-b", f"127.0.0.1:{p}", "-w", "1"])
        for p in ports
    ]
    workers = [
        _start(
            [
                "celery", "-A", "aftersales.config", "worker", "--pool=solo", "-Q", queue,
                "-n", f"w{i}-{queue}@%h", "--without-heartbeat", "--without-gossip",
                "--without-mingle", "--loglevel=WARNING",
            ]
        )
        for i in range(2)
    ]  # fmt: skip
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    try:
        for port, web in zip(ports, webs, strict=True):
            _wait_healthy(port, web)
        # given C-1 faults reported three days ago through either web process: both rungs of the
        # cause-confirmation ladder are overdue
        reported = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=3)
        numbers = []
        for i in range(CASES):
            created = _post(
                ports[i % 2],
                "/api/v1/cases/",
                token,
                {
                    "customer": customer.code,
                    "asset": asset.serial_number,
                    "case_type": "fault",
                    "channel": "phone",
                    "severity": "C-1",
                    "summary": f"核心交换机宕机 {i}",
                    "reported_at": reported.isoformat(),
                },
            )
            numbers.append(created["number"])
        # one case is answered through the other web process (its response clock stops there)
        _post(ports[1], f"/api/v1/cases/{numbers[0]}/transition/", token, {"status": "responded"})
        assert Case.objects.filter(number__in=numbers).count() == CASES
        # when many sweeps are queued at once, both workers take them concurrently
        with celery_app.connection_for_write() as conn:
            for _ in range(10):
                sla_sweep_task.apply_async(queue=queue, connection=conn)
        expected = 2 * CASES  # levels 1 and 2 of the cause-confirmation ladder per case
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            confirm = Escalation.objects.filter(
                case__number__in=numbers, clock__target="confirm"
            ).count()
            if confirm >= expected:
                break
            assert all(w.poll() is None for w in workers), [w.stdout.read() for w in workers]
            time.sleep(0.5)
        # and once more after they settled: nothing fires twice
        with celery_app.connection_for_write() as conn:
            for _ in range(4):
                sla_sweep_task.apply_async(queue=queue, connection=conn)
        time.sleep(5)
        client = redis.Redis.from_url(REDIS_URL)
        settle = time.monotonic() + 30
        while client.llen(queue) and time.monotonic() < settle:
            time.sleep(0.3)
        time.sleep(2)
        # then every escalation exists exactly once
        for number in numbers:
            levels = sorted(
                Escalation.objects.filter(case__number=number, clock__target="confirm").values_list(
                    "level", flat=True
                )
            )
            assert levels == [1, 2], (number, levels)
            escalated = CaseEvent.objects.filter(case__number=number, kind="escalated").count()
            assert escalated == (
                Escalation.objects.filter(case__number=number, actor__isnull=True).count()
            )
        assert all(w.poll() is None for w in workers), "a worker died"
    finally:
        celery_app.conf.update(broker_url=previous[0], task_always_eager=previous[1])
        for process in webs + workers:
            process.terminate()
        for process in webs + workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
