"""A real Celery worker, fed through the real Redis broker, runs the sweep and escalates."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from aftersales.config.celery import app as celery_app
from aftersales.config.celery import beat_schedule
from aftersales.sla.models import Escalation
from aftersales.sla.tasks import sla_sweep_task
from aftersales.sla.tests.helpers import asset_with_contract, open_case

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def test_beat_runs_the_sweep_every_minute():
    schedule = beat_schedule()
    assert schedule["aftersales.sla.tasks.sla_sweep_task"] == {
        "task": "aftersales.sla.tasks.sla_sweep_task",
        "schedule": 60.0,
    }


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_on_redis_sweeps_and_escalates(agent, customer, region, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share: runs in the PostgreSQL pass")
    if not _redis_available():
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    # given a C-1 fault reported three days ago: its cause confirmation (2 working hours on 7x8)
    # is long overdue, so both rungs of the ladder are due
    region.supervisor = make_user("supervisor", username="sup")
    region.save()
    asset = asset_with_contract(customer)
    reported = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=3)
    case = open_case(agent, customer, reported, asset=asset, severity="C-1")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "SECRET_KEY": "worker-test",
        "DEBUG": "true",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aftersales.config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    try:
        # when the sweep is queued through Redis
        with celery_app.connection_for_write() as conn:
            sla_sweep_task.apply_async(queue=queue, connection=conn)
        # then the worker escalates the case (poll the shared database)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Escalation.objects.filter(case=case).count() < 2:
            if worker.poll() is not None:
                break
            time.sleep(0.3)
        escalation = Escalation.objects.filter(case=case, level=1).first()
        assert escalation is not None, (
            worker.stdout.read() if worker.poll() is not None else "no escalation"
        )
        assert escalation.recipients == ["sup"]
        assert sorted(Escalation.objects.filter(case=case).values_list("level", flat=True)) == [
            1,
            2,
        ]
        assert case.events.filter(kind="escalated").count() == 2
    finally:
        celery_app.conf.update(broker_url=previous[0], task_always_eager=previous[1])
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
