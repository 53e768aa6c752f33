"""Crash test: the mail intake runs as production runs it, ``mailin_fetch_task`` in a real Celery
worker (Redis broker, PostgreSQL, the real Dovecot on loopback), and the worker is SIGKILLed
again and again in the middle of ingesting a mailbox; then a worker runs the task to the end.

Afterwards every message became exactly one case or one comment (nothing lost, nothing
doubled), one attachment per new case, every message is marked done on the IMAP server and the
mailbox is healthy (no failure counted, UIDVALIDITY recorded). ``test_kill.py`` kills the
``mailin_fetch`` command at finer instants; this one kills the worker process that production
runs, with its broker connection, its persistent database connection and acks-late tasks.
"""

from __future__ import annotations

import imaplib
import os
import random
import time
import uuid
from collections import Counter

import pytest
import redis
from django.db import connection

from aftersales.cases import services as cases
from aftersales.cases.models import Attachment, Case, Comment
from aftersales.config.celery import app as celery_app
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory, RegionFactory
from aftersales.mailin.models import InboundMessage, Mailbox
from aftersales.mailin.tasks import mailin_fetch_task
from aftersales.mailin.tests.conftest import Account
from aftersales.mailin.tests.messages import message
from aftersales.ops.tests.celery_worker import CeleryWorker

REDIS_URL = os.environ.get("TEST_MAILIN_CRASH_REDIS_URL", "redis://127.0.0.1:6379/10")
NEW_CASES = 64
REPLIES = 8
KILLS = int(os.environ.get("TEST_MAILIN_CRASH_KILLS", "8"))
DONE = "$AftersalesDone"


def _enqueue(queue: str) -> None:
    with celery_app.connection_for_write() as conn:
        mailin_fetch_task.apply_async(connection=conn, queue=queue)


def _recorded() -> int:
    return InboundMessage.objects.count()


def _open_worker_transactions() -> int:
    """How many other sessions on the test database are inside a transaction (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        return int(cursor.fetchone()[0])


def _server_state(account: Account) -> tuple[int, dict[int, str]]:
    """Return (UIDVALIDITY, {UID: flags}) of the account's INBOX."""
    imap = imaplib.IMAP4("127.0.0.1", account.server.port, timeout=10)
    try:
        imap.login(account.username, account.password)
        imap.select("INBOX", readonly=True)
        _typ, data = imap.response("UIDVALIDITY")
        validity = int(data[0])
    finally:
        imap.logout()
    return validity, account.flags()


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="worker processes share a server database: runs in the PostgreSQL pass",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_intake_loses_no_mail_and_doubles_none(dovecot, agent, tmp_path):
    broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        broker.flushdb()
    except redis.RedisError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    rng = random.Random(20261127)
    # given a contact with an open case, and a mailbox holding 64 new requests (each with an
    # attachment) and 8 replies to that case, shuffled
    customer = CustomerFactory(code="WKILL", region=RegionFactory(code="wkill"))
    contact = ContactFactory(customer=customer, email="wkill@hospital.example.cn")
    case = cases.case_create(
        by=agent,
        customer=customer,
        contact=contact,
        case_type="fault",
        channel="phone",
        severity="C-3",
        summary="Existing case",
    )
    account = Account(dovecot)
    mailbox = Mailbox.objects.create(
        name="wkill",
        host="127.0.0.1",
        port=dovecot.port,
        security="plain",
        username=account.username,
        password=account.password,
        fetch_since=None,
    )
    requests = [f"wkill-{n}@hospital.example.cn" for n in range(NEW_CASES)]
    replies = [f"wkill-reply-{n}@hospital.example.cn" for n in range(REPLIES)]
    raws = [
        message(
            sender=contact.email,
            subject=f"Request {n}",
            body=f"Request number {n}",
            message_id=f"<{mid}>",
            attachments=[("log.txt", "text/plain", b"x" * 2000)],
        )
        for n, mid in enumerate(requests)
    ] + [
        message(
            sender=contact.email,
            subject=f"Re: [{case.number}] reply {n}",
            body=f"Reply number {n}",
            message_id=f"<{mid}>",
        )
        for n, mid in enumerate(replies)
    ]
    rng.shuffle(raws)
    account.deliver(*raws)
    total = NEW_CASES + REPLIES

    db = connection.settings_dict
    queue = f"mailin-crash-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": REDIS_URL,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SECRET_KEY": "mailin-crash-test",
        "DEBUG": "true",
        "AFTERSALES_SCHEDULER_ENABLED": "false",
    }
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    workers: list[CeleryWorker] = []
    in_transaction = 0  # kills that hit the worker inside an open database transaction
    recorded_unmarked = 0  # kills after which a recorded message was still unmarked on the server
    try:
        # when a worker is SIGKILLed again and again while it ingests the mailbox: each time
        # after it recorded one to three more messages, and a random 0-60 ms later
        for _ in range(KILLS):
            worker = CeleryWorker(env, queue)
            workers.append(worker)
            assert worker.ready.wait(120), worker.output()
            target = _recorded() + rng.randint(1, 3)
            _enqueue(queue)
            deadline = time.monotonic() + 120
            while _recorded() < target:
                assert worker.alive(), worker.output()
                assert time.monotonic() < deadline, ("no progress", _recorded(), worker.output())
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.06))
            in_transaction += _open_worker_transactions() > 0
            worker.kill()
            _validity, flags = _server_state(account)
            marked = sum(DONE in f for f in flags.values())
            recorded_unmarked += _recorded() > marked
        interrupted = _recorded()
        # and then one worker runs the task to the end (queued again, as the beat schedule does)
        final = CeleryWorker(env, queue)
        workers.append(final)
        assert final.ready.wait(120), final.output()
        deadline = time.monotonic() + 180
        settled = False
        while time.monotonic() < deadline and not settled:
            _enqueue(queue)
            time.sleep(2)
            mailbox.refresh_from_db()
            _validity, flags = _server_state(account)
            settled = (
                _recorded() == total
                and all(DONE in f for f in flags.values())
                and mailbox.last_success_at is not None
            )
            assert final.alive(), final.output()
        assert settled, (_recorded(), Counter(DONE in f for f in flags.values()), final.output())
    finally:
        celery_app.conf.update(broker_url=previous[0], task_always_eager=previous[1])
        for worker in workers:
            worker.kill()
        broker.flushdb()

    # then the kills interrupted the intake in the middle (otherwise this proves nothing)
    assert 0 < interrupted < total
    assert in_transaction >= 1, in_transaction
    # and every message became exactly one case or one comment
    rows = list(InboundMessage.objects.values_list("message_id", "status", "action", "case_id"))
    assert sorted(r[0] for r in rows) == sorted(requests + replies)
    assert {r[1] for r in rows} == {"processed"}
    opened = [r for r in rows if r[0] in set(requests)]
    assert {r[2] for r in opened} == {"opened"}
    assert len({r[3] for r in opened}) == NEW_CASES
    answered = [r for r in rows if r[0] in set(replies)]
    assert {r[2] for r in answered} == {"commented"}
    assert {r[3] for r in answered} == {case.pk}
    assert Case.objects.filter(channel="email").count() == NEW_CASES
    comments = InboundMessage.objects.filter(action="commented").values_list("comment", flat=True)
    assert len(set(comments)) == REPLIES
    assert Comment.objects.filter(case=case).count() == REPLIES
    assert Attachment.objects.count() == NEW_CASES
    # and the mailbox is consistent: every message still there, each marked done exactly once
    # by UID under the UIDVALIDITY the ledger recorded, and the mailbox healthy
    validity, flags = _server_state(account)
    assert len(flags) == total
    assert all(DONE in f and "\\Seen" in f for f in flags.values())
    uids = list(InboundMessage.objects.values_list("uidvalidity", "uid"))
    assert {v for v, _u in uids} == {validity}
    assert sorted(u for _v, u in uids) == sorted(flags)
    mailbox.refresh_from_db()
    assert (mailbox.failure_count, mailbox.last_error, mailbox.alerted_at) == (0, "", None)
    assert mailbox.uidvalidity == validity
    print(  # noqa: T201 - the figures RELIABILITY.md quotes (shown with -s)
        f"\nkills={KILLS} recorded_before_final={interrupted}/{total} "
        f"kills_inside_a_transaction={in_transaction} "
        f"kills_leaving_recorded_unmarked={recorded_unmarked}"
    )
