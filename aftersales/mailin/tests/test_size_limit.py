"""A message over the size limit is never downloaded: the round reads its size (RFC822.SIZE)
and its header block only, lists it in quarantine, marks it on the server, and processes the
messages around it as usual; an administrator's release downloads it then."""

from __future__ import annotations

import imaplib

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.translation import gettext, override

from aftersales.cases.models import Attachment, Case
from aftersales.core.errors import NotAllowed
from aftersales.mailin.models import InboundMessage
from aftersales.mailin.services import inbound_retry, mailbox_fetch, quarantine_retry_due
from aftersales.mailin.tests.messages import message

pytestmark = pytest.mark.django_db

LIMIT = 50_000
DONE = "$AftersalesDone"


def _too_large(size: int, limit: int) -> str:
    """The ledger's error, in the language the intake runs in (messages in the catalogue)."""
    with override("zh-hans"):
        return gettext("Too large: %(size)d bytes, limit %(limit)d bytes.") % {
            "size": size,
            "limit": limit,
        }


def _not_downloaded() -> str:
    with override("zh-hans"):
        return gettext("Not downloaded: it is still on the mail server.")


def _server_size(raw: bytes) -> int:
    """The size an IMAP server announces: the message with CRLF line ends."""
    return len(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def _huge(sender: str, **kwargs: object) -> bytes:
    scan = b"%PDF-1.4\n" + b"%" * 200_000
    return message(
        sender=sender,
        subject="Full service log and scans",
        attachments=[("scan.pdf", "application/pdf", scan)],
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def traffic(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the bytes our IMAP client receives (a spy on the real client; nothing replaced)."""
    seen = {"bytes": 0}
    read, readline = imaplib.IMAP4.read, imaplib.IMAP4.readline

    def counting_read(self: imaplib.IMAP4, size: int) -> bytes:
        data = read(self, size)
        seen["bytes"] += len(data)
        return data

    def counting_readline(self: imaplib.IMAP4) -> bytes:
        data = readline(self)
        seen["bytes"] += len(data)
        return data

    monkeypatch.setattr(imaplib.IMAP4, "read", counting_read)
    monkeypatch.setattr(imaplib.IMAP4, "readline", counting_readline)
    return seen


def test_a_message_over_the_limit_is_not_downloaded_and_those_around_it_are_processed(
    mailbox, account, contact, settings, traffic, client_for, agent
):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    huge = _huge(contact.email)
    account.deliver(
        message(sender=contact.email, subject="Before: pump alarm"),
        huge,
        message(sender=contact.email, subject="After: printer jam"),
    )
    result = mailbox_fetch(mailbox=mailbox)
    # the two small messages opened their cases; the huge one was only recorded
    assert (result.fetched, result.new, result.quarantined, result.too_large) == (2, 3, 1, 1)
    assert sorted(Case.objects.values_list("summary", flat=True)) == [
        "After: printer jam",
        "Before: pump alarm",
    ]
    # its body never came over the wire (200 KB attachment; the whole round read far less)
    assert traffic["bytes"] < 20_000
    assert not Attachment.objects.exists()
    row = InboundMessage.objects.get(status="quarantined")
    size = _server_size(huge)
    assert size > 200_000
    assert (row.reason, row.size, row.raw.name, row.case, row.next_attempt_at) == (
        "too_large",
        size,
        "",
        None,
        None,
    )
    assert row.error == f"{_too_large(size, LIMIT)} {_not_downloaded()}"
    # the ledger knows who sent what (from the header block alone)
    assert (row.sender, row.subject, row.mailbox) == (
        contact.email.lower(),
        "Full service log and scans",
        mailbox,
    )
    assert row.message_id
    assert row.uid is not None
    # marked on the server like the others, so the next round does not take it again
    flags = account.flags()
    assert len(flags) == 3
    assert all(DONE in f and "\\Seen" in f for f in flags.values())
    traffic["bytes"] = 0
    again = mailbox_fetch(mailbox=mailbox)
    assert (again.fetched, again.new, again.too_large, again.error) == (0, 0, 0, "")
    assert traffic["bytes"] < 5_000
    assert InboundMessage.objects.count() == 3
    # and it is not retried automatically (nothing to retry until an administrator decides)
    assert quarantine_retry_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("quarantined", 1)
    # staff see it in the mailbox health and in the quarantine, with the reason
    [health] = client_for(agent).get("/api/v1/mailboxes/").json()["results"]
    assert (health["quarantined"], health["too_large"], health["max_message_bytes"]) == (
        1,
        1,
        LIMIT,
    )
    [listed] = client_for(agent).get("/api/v1/inbound-mail/?status=quarantined").json()["results"]
    assert (listed["id"], listed["reason"], listed["size"]) == (row.pk, "too_large", size)
    assert listed["error"].startswith(_too_large(size, LIMIT))


def test_a_message_at_the_limit_is_processed_and_one_byte_more_is_not(
    mailbox, account, contact, settings
):
    log = "Pump P-3 pressure log line, all values nominal.\n" * 900
    at_limit = message(sender=contact.email, subject="Pump log", body=log)
    over = message(sender=contact.email, subject="Pump log!", body=log)
    assert _server_size(over) == _server_size(at_limit) + 1
    limit = _server_size(at_limit)
    assert 40_000 < limit < LIMIT
    settings.MAILIN_MAX_MESSAGE_BYTES = limit
    account.deliver(at_limit, over)
    result = mailbox_fetch(mailbox=mailbox)
    assert (result.fetched, result.too_large) == (1, 1)
    processed = InboundMessage.objects.get(status="processed")
    assert (processed.subject, processed.size, processed.action) == ("Pump log", limit, "opened")
    assert Case.objects.get().description.startswith("Pump P-3 pressure log line")
    refused = InboundMessage.objects.get(status="quarantined")
    assert (refused.subject, refused.reason, refused.size) == ("Pump log!", "too_large", limit + 1)
    assert not refused.raw


def test_release_downloads_the_message_from_the_server(
    mailbox, account, contact, settings, dovecot, agent, admin_user
):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    # a mailbox that moves processed mail away
    dovecot.connect(account.username, account.password, folder="Done").logout()
    mailbox.processed_folder = "Done"
    mailbox.save()
    account.deliver(_huge(contact.email), message(sender=contact.email, subject="Small"))
    mailbox_fetch(mailbox=mailbox)
    # the small one was moved; the huge one stays in the folder, marked, under its UID
    assert len(account.flags(folder="Done")) == 1
    [(uid, flags)] = account.flags().items()
    assert DONE in flags
    row = InboundMessage.objects.get(status="quarantined")
    assert row.uid == uid
    # an ordinary retry by staff does not download it (the limit has not changed)
    row = inbound_retry(message=row, by=agent)
    assert (row.status, row.reason, row.attempts, row.next_attempt_at) == (
        "quarantined",
        "too_large",
        2,
        None,
    )
    assert not row.raw
    assert row.error == f"{_too_large(row.size, LIMIT)} {_not_downloaded()}"
    # an agent may not lift the limit
    with pytest.raises(NotAllowed):
        inbound_retry(message=row, by=agent, release=True)
    # an administrator releases it: it is downloaded now and opens its case with the file
    row = inbound_retry(message=row, by=admin_user, release=True)
    assert (row.status, row.action, row.handled_by) == ("processed", "opened", admin_user)
    assert row.raw.name
    assert row.size > 200_000
    assert row.case is not None
    assert row.case.summary == "Full service log and scans"
    assert Attachment.objects.get(case=row.case).name == "scan.pdf"
    # and the next round takes nothing
    assert mailbox_fetch(mailbox=mailbox).new == 0
    assert Case.objects.count() == 2


def test_a_retry_downloads_it_once_the_mailbox_limit_is_raised(
    mailbox, account, contact, settings, agent
):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    account.deliver(_huge(contact.email))
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    assert row.reason == "too_large"
    # this mailbox may take bigger messages
    mailbox.max_message_bytes = 400_000
    mailbox.save()
    row = inbound_retry(message=row, by=agent)
    assert (row.status, row.action) == ("processed", "opened")
    assert Attachment.objects.get(case=row.case).name == "scan.pdf"


def test_a_mailbox_limit_overrides_the_setting(mailbox, account, contact, settings, traffic):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    mailbox.max_message_bytes = 400_000
    mailbox.save()
    account.deliver(_huge(contact.email))
    result = mailbox_fetch(mailbox=mailbox)
    assert (result.fetched, result.too_large) == (1, 0)
    assert traffic["bytes"] > 200_000
    assert InboundMessage.objects.get().status == "processed"
    # a lower limit than the setting holds back a message the setting would let through
    mailbox.max_message_bytes = 2_000
    mailbox.save()
    account.deliver(message(sender=contact.email, body="x\n" * 2_000))
    result = mailbox_fetch(mailbox=mailbox)
    assert (result.fetched, result.too_large) == (0, 1)
    assert InboundMessage.objects.filter(status="quarantined", reason="too_large").count() == 1


def test_the_same_huge_message_without_message_id_is_recorded_once(
    mailbox, account, contact, settings
):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    huge = _huge(contact.email, message_id=None)
    account.deliver(huge, huge)
    result = mailbox_fetch(mailbox=mailbox)
    assert (result.new, result.duplicates, result.too_large) == (1, 1, 1)
    row = InboundMessage.objects.get()
    assert (row.message_id, row.reason) == ("", "too_large")
    assert all(DONE in f for f in account.flags().values())


def test_the_command_reports_messages_too_large(mailbox, account, contact, settings, capsys):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    account.deliver(_huge(contact.email))
    call_command("mailin_fetch")
    assert "1 quarantined (1 too large, not downloaded)" in capsys.readouterr().out


def test_administrators_see_it_in_the_admin_and_on_the_staff_page(
    mailbox, account, contact, settings, admin_user
):
    settings.MAILIN_MAX_MESSAGE_BYTES = LIMIT
    account.deliver(_huge(contact.email))
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin_user)
    listing = client.get("/admin/mailin/inboundmessage/?reason__exact=too_large").content.decode()
    assert "Full service log and scans" in listing
    detail = client.get(f"/admin/mailin/inboundmessage/{row.pk}/change/").content.decode()
    assert _too_large(row.size, LIMIT) in detail
    assert "Not downloaded (too large): it is still on the mail server" in detail
    page = client.get("/mail/").content.decode()
    assert "Too large, not downloaded" in page
    assert _too_large(row.size, LIMIT) in page
    # the mailbox's own limit is set in the admin
    form = client.get(f"/admin/mailin/mailbox/{mailbox.pk}/change/").content.decode()
    assert 'name="max_message_bytes"' in form
