"""Mail-in attachments are judged by their bytes: a disguised program is noted, the mail kept."""

from __future__ import annotations

import pytest

from aftersales.cases.models import Attachment, Case, Comment
from aftersales.mailin.models import InboundMessage
from aftersales.mailin.services import mailbox_fetch
from aftersales.mailin.tests.messages import message

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
HTML = b"<html><body><script>alert(1)</script></body></html>"


def test_disguised_files_are_refused_noted_and_the_message_kept(mailbox, account, contact):
    account.deliver(
        message(
            sender=contact.email,
            attachments=[
                ("invoice.pdf", "application/pdf", EXE),
                ("photo.png", "image/png", HTML),
                ("error.log", "text/plain", b"E-102 at 08:01\n"),
            ],
        )
    )
    mailbox_fetch(mailbox=mailbox)
    case = Case.objects.get()
    assert list(Attachment.objects.filter(case=case).values_list("name", "content_type")) == [
        ("error.log", "text/plain")
    ]
    row = InboundMessage.objects.get()
    assert row.status == "processed"
    assert "invoice.pdf" in row.notes
    assert "photo.png" in row.notes
    assert row.raw  # the original message, with every file, is kept
    note = Comment.objects.get(case=case)
    assert note.is_public is False
    assert "invoice.pdf" in note.body
    assert "photo.png" in note.body
