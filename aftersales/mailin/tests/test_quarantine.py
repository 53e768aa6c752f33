"""Mail that cannot be processed is kept, retried with backoff, released by an administrator;
a mailbox that keeps failing alerts the administrators once."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils.translation import gettext, override

from aftersales.cases.models import Attachment, Case
from aftersales.core import clock
from aftersales.core.errors import NotAllowed
from aftersales.mailin.models import InboundMessage, Mailbox
from aftersales.mailin.services import (
    inbound_discard,
    inbound_retry,
    mailbox_fetch,
    message_ingest,
    quarantine_retry_due,
)
from aftersales.mailin.tasks import mailin_fetch_task
from aftersales.mailin.tests.messages import message, raw_message

pytestmark = pytest.mark.django_db


def _undecodable(sender: str) -> bytes:
    return raw_message(
        f"From: {sender}\nTo: support@aftersales.example.cn\nSubject: broken\n"
        "Message-ID: <broken@hospital.example.cn>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
        b"Pump \xff\xfe\xfa\x81\x30 fault",
    )


def test_undecodable_mail_is_quarantined_and_released_by_an_administrator(
    mailbox, account, contact, admin_user
):
    # given a message whose text is valid in no encoding
    account.deliver(_undecodable(contact.email))
    result = mailbox_fetch(mailbox=mailbox)
    # then it is kept in quarantine with the error (and marked on the server: it is ours now)
    assert result.quarantined == 1
    row = InboundMessage.objects.get()
    assert (row.status, row.reason, row.case) == ("quarantined", "undecodable", None)
    assert "valid in none of" in row.error
    assert b"Pump \xff" in row.raw.read()
    assert row.next_attempt_at is not None
    assert "$AftersalesDone" in account.flags()[1]
    assert Case.objects.count() == 0
    # when an administrator releases it
    row = inbound_retry(message=row, by=admin_user, release=True)
    # then it opens its case, the unreadable bytes shown as replacement characters
    assert (row.status, row.action, row.handled_by) == ("processed", "opened", admin_user)
    assert row.case.description.startswith("Pump \ufffd")


def test_too_large_mail_stays_in_quarantine_on_retry_until_released(
    mailbox, account, contact, admin_user, agent, settings
):
    settings.MAILIN_MAX_MESSAGE_BYTES = 3000
    account.deliver(
        message(
            sender=contact.email,
            attachments=[("scan.pdf", "application/pdf", b"%PDF-1.4\n" + b"%" * 6000)],
        )
    )
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    # not downloaded (test_size_limit.py): no original, no automatic retry
    assert (row.status, row.reason, row.attempts, row.next_attempt_at) == (
        "quarantined",
        "too_large",
        1,
        None,
    )
    assert not row.raw
    # an ordinary retry (staff may) fails the same way
    row = inbound_retry(message=row, by=agent)
    assert (row.status, row.reason, row.attempts, row.next_attempt_at) == (
        "quarantined",
        "too_large",
        2,
        None,
    )
    # an agent may not lift the limit
    with pytest.raises(NotAllowed):
        inbound_retry(message=row, by=agent, release=True)
    # an administrator may: the message is downloaded and processed
    row = inbound_retry(message=row, by=admin_user, release=True)
    assert row.status == "processed"
    assert Attachment.objects.get(case=row.case).name == "scan.pdf"


def test_a_downloaded_message_over_the_limit_is_still_quarantined_with_its_original(
    mailbox, contact, admin_user, settings
):
    # a message handed over whole (a server that announced a smaller size, or a direct ingest)
    settings.MAILIN_MAX_MESSAGE_BYTES = 3000
    raw = message(
        sender=contact.email,
        attachments=[("scan.pdf", "application/pdf", b"%PDF-1.4\n" + b"%" * 6000)],
    )
    row, _new = message_ingest(raw=raw, mailbox=mailbox)
    assert (row.status, row.reason) == ("quarantined", "too_large")
    with override("zh-hans"):
        expected = gettext("Too large: %(size)d bytes, limit %(limit)d bytes.")
    assert row.error == expected % {"size": len(raw), "limit": 3000}
    assert row.raw.read() == raw
    assert row.next_attempt_at is not None
    row = inbound_retry(message=row, by=admin_user, release=True)
    assert row.status == "processed"


def _fail_case_inserts() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION mailin_test_fail() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'simulated database failure'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER mailin_test_fail BEFORE INSERT ON cases_case "
                "FOR EACH ROW EXECUTE FUNCTION mailin_test_fail()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER mailin_test_fail BEFORE INSERT ON cases_case "
                "BEGIN SELECT RAISE(ABORT, 'simulated database failure'); END"
            )


def _repair_case_inserts() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER mailin_test_fail ON cases_case")
        else:
            cursor.execute("DROP TRIGGER mailin_test_fail")


def test_a_database_error_quarantines_the_message_and_the_task_retries_it_later(
    mailbox, account, contact, settings
):
    settings.MAILIN_RETRY_BASE_SECONDS = 600
    # given a database that refuses new cases
    _fail_case_inserts()
    account.deliver(message(sender=contact.email, subject="Pump fault"))
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    assert (row.status, row.reason) == ("quarantined", "error")
    assert "simulated database failure" in row.error
    assert Case.objects.count() == 0
    # when the database works again, the retry waits for its turn (backoff)...
    _repair_case_inserts()
    assert quarantine_retry_due() == 0
    assert InboundMessage.objects.get().status == "quarantined"
    # ...and the periodic task takes it when due
    with time_machine.travel(clock.now() + datetime.timedelta(minutes=11), tick=False):
        outcome = mailin_fetch_task()
    assert outcome["released_from_quarantine"] == 1
    row.refresh_from_db()
    assert (row.status, row.action, row.attempts) == ("processed", "opened", 2)
    assert Case.objects.get().summary == "Pump fault"


def test_retries_back_off_and_stop_after_the_last_attempt(mailbox, account, contact, settings):
    settings.MAILIN_RETRY_BASE_SECONDS = 60
    settings.MAILIN_RETRY_MAX_SECONDS = 3600
    settings.MAILIN_MAX_ATTEMPTS = 4
    account.deliver(_undecodable(contact.email))
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    delays = []
    for _ in range(3):
        before = clock.now()
        row = inbound_retry(message=row)
        delays.append(row.next_attempt_at and round((row.next_attempt_at - before).total_seconds()))
    # 2nd, 3rd failures wait 2 and 4 minutes; the 4th is the last automatic try
    assert delays == [120, 240, None]
    assert (row.status, row.attempts) == ("quarantined", 4)


def test_discarded_mail_is_kept_but_no_longer_retried(mailbox, account, contact, admin_user, agent):
    account.deliver(_undecodable(contact.email))
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    with pytest.raises(NotAllowed):
        inbound_discard(message=row, by=agent)
    row = inbound_discard(message=row, by=admin_user)
    assert (row.status, row.next_attempt_at, row.handled_by) == ("discarded", None, admin_user)
    assert InboundMessage.objects.filter(pk=row.pk, raw__gt="").exists()


def test_a_failing_mailbox_alerts_the_administrators_once_and_clears_on_recovery(
    mailbox, account, contact, settings, caplog
):
    settings.MAILIN_ALERT_AFTER_FAILURES = 3
    password = account.password
    Mailbox.objects.filter(pk=mailbox.pk).update(password="Wr0ng-Secret-xyz")
    mailbox.refresh_from_db()
    caplog.set_level(logging.DEBUG)
    # when fetching fails four times in a row
    for _ in range(4):
        assert mailbox_fetch(mailbox=mailbox).error
    # then the administrators got exactly one e-mail, after the third failure
    mailbox.refresh_from_db()
    assert mailbox.failure_count == 4
    assert mailbox.alerted_at is not None
    assert len(mail.outbox) == 1
    alert = mail.outbox[0]
    assert alert.to == ["admin@example.cn"]
    assert "support" in alert.subject
    assert "AUTHENTICATIONFAILED" in alert.body
    # and the password is nowhere: not in the error, the alert or the logs
    for text in (mailbox.last_error, alert.body, alert.subject, caplog.text):
        assert "Wr0ng-Secret-xyz" not in text
    # when the password is fixed, the next fetch works and clears the alert
    Mailbox.objects.filter(pk=mailbox.pk).update(password=password)
    mailbox.refresh_from_db()
    account.deliver(message(sender=contact.email))
    assert mailbox_fetch(mailbox=mailbox).error == ""
    mailbox.refresh_from_db()
    assert (mailbox.failure_count, mailbox.alerted_at, mailbox.last_error) == (0, None, "")
    assert mailbox.last_success_at is not None
    assert Case.objects.count() == 1
    # and a new run of failures alerts again
    Mailbox.objects.filter(pk=mailbox.pk).update(password="Wr0ng-Secret-xyz")
    mailbox.refresh_from_db()
    for _ in range(3):
        mailbox_fetch(mailbox=mailbox)
    assert len(mail.outbox) == 2


def test_an_unreachable_server_counts_as_a_failure(db, settings):
    mailbox = Mailbox.objects.create(
        name="gone", host="127.0.0.1", port=1, security="plain", username="u", password="p"
    )
    result = mailbox_fetch(mailbox=mailbox)
    assert "cannot connect" in result.error
    mailbox.refresh_from_db()
    assert mailbox.failure_count == 1


def test_plain_text_imap_is_refused_beyond_loopback(db):
    from django.core.exceptions import ValidationError

    mailbox = Mailbox(
        name="remote", host="imap.example.com", port=143, security="plain", username="u"
    )
    with pytest.raises(ValidationError) as caught:
        mailbox.full_clean()
    assert "security" in caught.value.message_dict
