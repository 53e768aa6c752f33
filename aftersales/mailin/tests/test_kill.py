"""Nothing lost, nothing doubled: the fetch is SIGKILLed again and again against the real
Dovecot, between fetching a message and committing its case, and then run to the end."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from aftersales.cases import services as cases
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory, RegionFactory
from aftersales.mailin.models import Mailbox
from aftersales.mailin.tests.conftest import Account
from aftersales.mailin.tests.messages import message

ROOT = Path(__file__).resolve().parents[3]
NEW_CASES = 44
REPLIES = 6
KILLS = 30


def _database_for_subprocess(tmp_path: Path) -> tuple[str, Any]:
    """Return (DATABASE_URL, a DB-API connection) of a database the command can share."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}", None
    # The test database lives in this process's memory: copy it (schema and the data made
    # above) to a file the command opens.
    path = tmp_path / "kill.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}", sqlite3.connect(path)


def _query(raw: Any, sql: str) -> list[tuple]:
    if raw is None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    return list(raw.execute(sql).fetchall())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killed_fetches_lose_nothing_and_double_nothing(dovecot, agent, tmp_path):
    rng = random.Random(20261125)
    # given a contact with an open case, and fifty messages: 44 new requests and 6 replies
    customer = CustomerFactory(code="KILL", region=RegionFactory(code="kill"))
    contact = ContactFactory(customer=customer, email="kill@hospital.example.cn")
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
    Mailbox.objects.create(
        name="kill",
        host="127.0.0.1",
        port=dovecot.port,
        security="plain",
        username=account.username,
        password=account.password,
        fetch_since=None,
    )
    raws = [
        message(
            sender=contact.email,
            subject=f"Request {n}",
            body=f"Request number {n}",
            message_id=f"<kill-{n}@hospital.example.cn>",
            attachments=[("log.txt", "text/plain", b"x" * 2000)],
        )
        for n in range(NEW_CASES)
    ] + [
        message(
            sender=contact.email,
            subject=f"Re: [{case.number}] reply {n}",
            body=f"Reply number {n}",
            message_id=f"<kill-reply-{n}@hospital.example.cn>",
        )
        for n in range(REPLIES)
    ]
    rng.shuffle(raws)
    account.deliver(*raws)
    url, raw_db = _database_for_subprocess(tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.config.settings_test",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    command = [
        sys.executable, "manage.py", "mailin_fetch", "--mailbox", "kill", "--no-retry", "-v", "2"
    ]  # fmt: skip

    # when the command is killed at random points, many times (each run a fork of a process
    # that set Django up once, so that thirty kills take seconds, not thirty interpreter starts)
    runner = subprocess.run(  # noqa: S603 - our own test helper
        [sys.executable, str(Path(__file__).with_name("kill_runner.py")), str(KILLS), "5", "kill"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert runner.returncode == 0, runner.stderr[-3000:]
    report = json.loads(runner.stdout.strip().splitlines()[-1])
    kills, died_after = report["kills"], Counter(report["died_after"])

    # and then run to the end
    final = subprocess.run(  # noqa: S603 - our own command
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert final.returncode == 0, final.stderr

    # then the kills hit the window between fetching and committing
    assert kills == KILLS
    assert died_after["fetched"] >= 3, died_after
    # and every message became exactly one case or one comment
    rows = _query(
        raw_db, "SELECT message_id, status, action, case_id, comment_id FROM mailin_inboundmessage"
    )
    assert sorted(r[0] for r in rows) == sorted(
        [f"kill-{n}@hospital.example.cn" for n in range(NEW_CASES)]
        + [f"kill-reply-{n}@hospital.example.cn" for n in range(REPLIES)]
    )
    assert {r[1] for r in rows} == {"processed"}
    opened = [r for r in rows if r[2] == "opened"]
    assert len(opened) == NEW_CASES
    assert len({r[3] for r in opened}) == NEW_CASES
    replies = [r for r in rows if r[0].startswith("kill-reply-")]
    assert {r[2] for r in replies} == {"commented"}
    assert {r[3] for r in replies} == {case.pk}
    assert len({r[4] for r in replies}) == REPLIES
    email_cases = _query(raw_db, "SELECT COUNT(*) FROM cases_case WHERE channel = 'email'")
    assert email_cases == [(NEW_CASES,)]
    comments = _query(raw_db, f"SELECT COUNT(*) FROM cases_comment WHERE case_id = {int(case.pk)}")  # noqa: S608
    assert comments == [(REPLIES,)]
    attachments = _query(raw_db, "SELECT COUNT(*) FROM cases_attachment")
    assert attachments == [(NEW_CASES,)]
    # and every message is marked done on the server
    flags = account.flags()
    assert len(flags) == NEW_CASES + REPLIES
    assert all("$AftersalesDone" in f for f in flags.values())
