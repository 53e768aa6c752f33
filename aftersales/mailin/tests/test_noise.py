"""Auto-replies and bounces delivered to the real server open no case and send nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from aftersales.cases.models import Case
from aftersales.mailin.models import InboundMessage
from aftersales.mailin.services import mailbox_fetch
from aftersales.mailin.tests.messages import message, raw_message

pytestmark = pytest.mark.django_db

DELIVERY_REPORT = raw_message(
    """From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: zhang.wei@hospital.example.cn
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r\"""",
    (
        b"--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n"
        b"\r\nFinal-Recipient: rfc822; x@y\r\nAction: failed\r\nStatus: 5.1.1\r\n--r--\r\n"
    ),
)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            message(headers={"Auto-Submitted": "auto-replied"}, subject="自动回复：休假中"),
            "auto_submitted",
        ),
        (message(headers={"Precedence": "bulk"}), "precedence"),
        (message(headers={"Precedence": "junk"}), "precedence"),
        (message(headers={"Precedence": "list"}), "precedence"),
        (message(headers={"Precedence": "auto_reply"}), "precedence"),
        (message(headers={"X-Autoreply": "yes"}), "auto_reply"),
        (message(subject="Automatic reply: out of office"), "auto_reply"),
        (message(sender="MAILER-DAEMON@mx.hospital.example.cn"), "bounce"),
        (message(sender="postmaster@hospital.example.cn"), "bounce"),
        (DELIVERY_REPORT, "bounce"),
        (message(sender="support@aftersales.example.cn"), "own_address"),
    ],
)
def test_automatic_mail_is_recorded_as_ignored(raw, reason, mailbox, account, contact):
    # given automatic mail (from a known contact's address where that applies)
    raw = raw.replace(b"zhang.wei@hospital.example.cn>", contact.email.encode() + b">")
    account.deliver(raw)
    # when fetched
    mailbox_fetch(mailbox=mailbox)
    # then no case, no outgoing mail, recorded as ignored, marked done on the server
    assert Case.objects.count() == 0
    assert mail.outbox == []
    row = InboundMessage.objects.get()
    assert (row.status, row.reason, row.case) == ("ignored", reason, None)
    assert "$AftersalesDone" in account.flags()[1]


def test_our_own_case_mail_coming_back_is_ignored(mailbox, account, contact):
    account.deliver(
        message(sender=contact.email, message_id="<case.SR-2026-000001.abc@aftersales.example.cn>")
    )
    mailbox_fetch(mailbox=mailbox)
    assert Case.objects.count() == 0
    assert InboundMessage.objects.get().reason == "own_message"
