"""Crash test: a Celery worker is SIGKILLed again and again while it sweeps SLA clocks and sends
notifications, against the real Redis, PostgreSQL and an SMTP server on loopback.

Afterwards every escalation and every notice exists exactly once, every e-mail delivery was sent,
and the SMTP server received every delivery's Message-ID. SMTP has no two-phase commit: a worker
killed after the server accepted a message but before it recorded the send re-sends it once its
lease ends, with the same Message-ID (receiving servers and mail readers drop such duplicates);
the test bounds those re-sends by the number of kills.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import random
import time
from collections import Counter

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection

from aftersales.cases.models import CaseEvent
from aftersales.config.celery import app as celery_app
from aftersales.notifications.models import Delivery, Notification, NotificationEvent
from aftersales.notifications.tasks import notifications_deliver_task
from aftersales.notifications.tests.conftest import SmtpSink, _free_port
from aftersales.ops.tests.celery_worker import CeleryWorker
from aftersales.sla.models import Escalation, SlaClock
from aftersales.sla.tasks import sla_sweep_task
from aftersales.sla.tests.helpers import asset_with_contract, open_case

REDIS_URL = os.environ.get("TEST_CRASH_REDIS_URL", "redis://127.0.0.1:6379/11")
CASES = 24
KILLS = int(os.environ.get("TEST_CRASH_KILLS", "5"))


class SlowSink(SmtpSink):
    """Takes a moment over each message, so that kills land in the middle of sends."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.envelopes.append(envelope)
        await asyncio.sleep(0.1)
        return "250 Message accepted for delivery"


def _enqueue(times: int = 1) -> None:
    with celery_app.connection_for_write() as conn:
        for _ in range(times):
            sla_sweep_task.apply_async(connection=conn)
            notifications_deliver_task.apply_async(connection=conn)


def _state(numbers_of_cases: int) -> dict[str, object]:
    due = SlaClock.objects.filter(
        next_event_at__lte=datetime.datetime.now(tz=datetime.UTC)
    ).exists()
    unsent = Delivery.objects.filter(channel="email").exclude(status="sent").exists()
    pending = NotificationEvent.objects.filter(status="pending").exists()
    undispatched = Notification.objects.filter(dispatched_at__isnull=True).exists()
    confirm = Escalation.objects.filter(clock__target="confirm").count()
    return {
        "due clocks": due,
        "unsent deliveries": unsent,
        "pending events": pending,
        "undispatched notices": undispatched,
        "confirm escalations missing": confirm < 2 * numbers_of_cases,
    }


def _settled(numbers_of_cases: int) -> bool:
    return not any(_state(numbers_of_cases).values())


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killed_workers_fire_each_escalation_and_notice_once_and_lose_no_mail(
    agent, customer, region, make_user
):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share a server database: runs in the PostgreSQL pass")
    broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        broker.flushdb()
    except redis.RedisError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    rng = random.Random(20261126)
    supervisor = make_user("supervisor", username="sup", email="sup@example.cn")
    region.supervisor = supervisor
    region.save()
    asset = asset_with_contract(customer)
    reported = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=3)
    for i in range(CASES):
        open_case(agent, customer, reported, asset=asset, severity="C-1", summary=f"宕机 {i}")
    sink = SlowSink(port=_free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "NOTIFICATIONS_LEASE_SECONDS": "2",
        "NOTIFICATIONS_BATCH": "5",
        "SLA_SWEEP_BATCH": "4",
        "SECRET_KEY": "crash-test",
        "DEBUG": "true",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
    }
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    workers: list[CeleryWorker] = []
    try:
        # when a worker is killed mid-work again and again
        for _ in range(KILLS):
            worker = CeleryWorker(env)
            workers.append(worker)
            assert worker.ready.wait(90), "".join(worker.lines)
            _enqueue(3)
            time.sleep(rng.uniform(0.3, 2.0))
            worker.kill()
        interrupted = (
            Escalation.objects.filter(clock__target="confirm").count(),
            Delivery.objects.filter(status="sent").count(),
        )
        # and then one runs to the end
        final = CeleryWorker(env)
        workers.append(final)
        assert final.ready.wait(90), "".join(final.lines)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not _settled(CASES):
            _enqueue()
            time.sleep(1.5)
        assert _settled(CASES), (
            _state(CASES),
            Counter(Delivery.objects.values_list("channel", "status", "last_error")),
        )
    finally:
        celery_app.conf.update(broker_url=previous[0], task_always_eager=previous[1])
        for worker in workers:
            worker.kill()
        controller.stop()
        broker.flushdb()
    # the kills did interrupt work in progress (otherwise this test would prove nothing)
    assert interrupted[0] < 2 * CASES or interrupted[1] < Delivery.objects.count()
    # then every escalation exists once per clock and rung, with one timeline entry each
    per_rung = Counter(Escalation.objects.values_list("clock_id", "level"))
    assert per_rung
    assert max(per_rung.values()) == 1
    for case_id, n in Counter(Escalation.objects.values_list("case_id", flat=True)).items():
        assert CaseEvent.objects.filter(case_id=case_id, kind="escalated").count() == n
    # one notice per escalation and recipient (the supervisor), each fanned out once
    notices = Notification.objects.filter(kind="escalation", recipient=supervisor)
    assert notices.count() == Escalation.objects.filter(recipients__contains=["sup"]).count()
    emails = Delivery.objects.filter(channel="email")
    to_supervisor = list(
        emails.filter(address="sup@example.cn").values_list("notification_id", flat=True)
    )
    assert sorted(to_supervisor) == sorted(  # every notice (breaches, escalations) mailed once
        Notification.objects.filter(recipient=supervisor).values_list("pk", flat=True)
    )
    # and every e-mail went out: each Message-ID at the SMTP server, re-sends bounded by the kills
    assert set(emails.values_list("status", flat=True)) == {"sent"}
    received = Counter(m["Message-ID"] for m in sink.messages)
    assert set(received) == set(emails.values_list("message_id", flat=True))
    resent = sum(received.values()) - len(received)
    assert resent <= KILLS, received.most_common(5)
