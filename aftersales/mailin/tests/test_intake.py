"""Mail delivered to a real Dovecot becomes cases and comments: who, where, threading, files."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override

from aftersales.cases import services as cases
from aftersales.cases.models import Attachment, Case, CaseEvent, Comment
from aftersales.customers.services import customer_unassigned
from aftersales.customers.tests.factories import ContactFactory
from aftersales.mailin.models import InboundMessage
from aftersales.mailin.services import mailbox_fetch
from aftersales.mailin.tests.messages import message

pytestmark = pytest.mark.django_db

DONE = "$AftersalesDone"


def test_mail_from_a_known_contact_opens_a_case_for_their_organisation(
    mailbox, account, contact, customer
):
    # given a message from the contact (address in another case than on file) with a file
    account.deliver(
        message(
            sender="张伟 <ZHANG.wei@hospital.EXAMPLE.cn>",
            subject="CT 无法启动",
            body="三号机房的 CT 启动时报错 E-102。",
            attachments=[("error.log", "text/plain", b"E-102 at 08:01\n")],
        )
    )
    # when the mailbox is fetched
    result = mailbox_fetch(mailbox=mailbox)
    # then one case is open for the contact's organisation, by e-mail, with the file
    assert (result.fetched, result.new, result.error) == (1, 1, "")
    case = Case.objects.get()
    assert case.customer == customer
    assert case.contact == contact
    assert case.channel == "email"
    assert case.summary == "CT 无法启动"
    assert case.description == "三号机房的 CT 启动时报错 E-102。"
    assert case.created_by.is_customer_contact
    assert case.created_by.customer == customer
    attachment = Attachment.objects.get(case=case)
    assert attachment.name == "error.log"
    assert attachment.file.read() == b"E-102 at 08:01\n"
    row = InboundMessage.objects.get()
    assert (row.status, row.action, row.case) == ("processed", "opened", case)
    assert row.raw.read().startswith(b"From:") or b"Message-ID" in row.raw.read()
    # and the message is marked done on the server
    assert DONE in account.flags()[1]
    assert "\\Seen" in account.flags()[1]


def test_a_second_fetch_takes_nothing_again(mailbox, account, contact):
    account.deliver(message(sender=contact.email))
    mailbox_fetch(mailbox=mailbox)
    # when fetched again
    again = mailbox_fetch(mailbox=mailbox)
    # then nothing is new
    assert (again.fetched, again.new) == (0, 0)
    assert Case.objects.count() == 1


def test_unknown_sender_opens_a_case_for_the_unassigned_customer(mailbox, account):
    account.deliver(message(sender="stranger@unknown.example.com"))
    mailbox_fetch(mailbox=mailbox)
    case = Case.objects.get()
    assert case.customer == customer_unassigned()
    assert case.contact is None
    assert InboundMessage.objects.get().action == "opened"


def test_unknown_sender_is_rejected_when_the_mailbox_says_so(mailbox, account):
    mailbox.unknown_senders = "reject"
    mailbox.save()
    account.deliver(message(sender="stranger@unknown.example.com"))
    mailbox_fetch(mailbox=mailbox)
    # then no case, the message is kept as rejected and marked done on the server
    assert Case.objects.count() == 0
    row = InboundMessage.objects.get()
    assert (row.status, row.reason, row.sender) == (
        "rejected",
        "unknown_sender",
        "stranger@unknown.example.com",
    )
    assert DONE in account.flags()[1]


def _opened_case(mailbox, account, contact, **kwargs):
    first = message(sender=contact.email, message_id="<first@hospital.example.cn>", **kwargs)
    account.deliver(first)
    mailbox_fetch(mailbox=mailbox)
    return Case.objects.get()


def test_a_reply_threads_by_in_reply_to_as_a_public_comment(mailbox, account, contact):
    case = _opened_case(mailbox, account, contact)
    # when the contact replies to their own first message (quoted history below the answer)
    account.deliver(
        message(
            sender=contact.email,
            subject="Re: CT scanner fails to start",
            body=(
                "It happens again this morning.\n\nOn Mon, 23 Nov 2026, Zhang Wei wrote:\n> The CT"
            ),
            in_reply_to="<first@hospital.example.cn>",
        )
    )
    mailbox_fetch(mailbox=mailbox)
    # then one public comment by the contact, without the quoted history
    assert Case.objects.count() == 1
    comment = Comment.objects.get(case=case)
    assert comment.body == "It happens again this morning."
    assert comment.is_public is True
    assert comment.author.is_customer_contact
    assert InboundMessage.objects.filter(action="commented", comment=comment).count() == 1


def test_a_reply_threads_by_our_case_reference(mailbox, account, contact):
    case = _opened_case(mailbox, account, contact)
    account.deliver(
        message(
            sender=contact.email,
            subject="Re: your request",
            body="Thanks, see below",
            references=f"<case.{case.number}.a1b2c3@aftersales.example.cn>",
        )
    )
    mailbox_fetch(mailbox=mailbox)
    assert Comment.objects.get(case=case).body == "Thanks, see below"


def test_a_reply_threads_by_the_case_number_in_the_subject(mailbox, account, contact):
    case = _opened_case(mailbox, account, contact)
    account.deliver(
        message(sender=contact.email, subject=f"回复：[{case.number}] 进展", body="还没有修好")
    )
    mailbox_fetch(mailbox=mailbox)
    assert Comment.objects.get(case=case).body == "还没有修好"


def test_a_case_number_of_another_organisation_opens_a_new_case(
    mailbox, account, contact, other_customer
):
    # given a case of another organisation
    case = _opened_case(mailbox, account, contact)
    outsider = ContactFactory(customer=other_customer, email="li@metro.example.cn")
    # when its contact writes with that case number in the subject
    account.deliver(message(sender=outsider.email, subject=f"Re: [{case.number}]", body="Hi"))
    mailbox_fetch(mailbox=mailbox)
    # then it is not a comment on that case: a new case for their own organisation
    assert Comment.objects.filter(case=case).count() == 0
    new = Case.objects.exclude(pk=case.pk).get()
    assert new.customer == other_customer


def test_a_reply_reopens_a_resolved_case(mailbox, account, contact, agent):
    case = _opened_case(mailbox, account, contact)
    cases.case_transition(case=case, to="responded", by=agent)
    cases.case_transition(case=case, to="resolved", by=agent, note="Replaced the power unit")
    account.deliver(
        message(sender=contact.email, subject=f"Re: [{case.number}]", body="Still broken")
    )
    mailbox_fetch(mailbox=mailbox)
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert case.reopen_count == 1
    assert CaseEvent.objects.filter(case=case, kind="reopened").count() == 1
    assert InboundMessage.objects.filter(action="reopened").count() == 1


def test_a_reply_to_a_closed_case_opens_a_new_case_that_names_it(mailbox, account, contact, agent):
    case = _opened_case(mailbox, account, contact)
    cases.case_transition(case=case, to="responded", by=agent)
    cases.case_transition(case=case, to="resolved", by=agent, note="Fixed")
    cases.case_transition(case=case, to="closed", by=agent)
    account.deliver(
        message(sender=contact.email, subject=f"Re: [{case.number}]", body="Same fault again")
    )
    mailbox_fetch(mailbox=mailbox)
    case.refresh_from_db()
    assert case.status == "closed"
    new = Case.objects.exclude(pk=case.pk).get()
    assert new.customer == case.customer
    with override("zh-hans"):
        expected = gettext("Reply by e-mail to closed case %(number)s.") % {"number": case.number}
    assert new.description.startswith(expected)
    assert "Same fault again" in new.description
    note = Comment.objects.get(case=case)
    assert note.is_public is False
    assert new.number in note.body


def test_a_reply_to_a_case_waiting_for_the_customer_hands_it_back(mailbox, account, contact, agent):
    case = _opened_case(mailbox, account, contact)
    cases.case_transition(case=case, to="responded", by=agent)
    cases.case_transition(case=case, to="waiting_customer", by=agent)
    account.deliver(message(sender=contact.email, subject=f"[{case.number}]", body="Done"))
    mailbox_fetch(mailbox=mailbox)
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_oversize_and_refused_files_are_noted_and_the_message_kept(
    mailbox, account, contact, settings
):
    settings.CASES_ATTACHMENT_MAX_BYTES = 1000
    account.deliver(
        message(
            sender=contact.email,
            attachments=[
                ("photo.jpg", "image/jpeg", b"\xff\xd8" + b"x" * 5000),
                ("tool.exe", "application/octet-stream", b"MZ" + b"x" * 10),
                ("small.txt", "text/plain", b"ok"),
            ],
        )
    )
    mailbox_fetch(mailbox=mailbox)
    case = Case.objects.get()
    assert list(Attachment.objects.filter(case=case).values_list("name", flat=True)) == [
        "small.txt"
    ]
    row = InboundMessage.objects.get()
    assert row.status == "processed"
    assert "photo.jpg" in row.notes
    assert "tool.exe" in row.notes
    note = Comment.objects.get(case=case)
    assert note.is_public is False
    assert "photo.jpg" in note.body
    assert "tool.exe" in note.body


def test_html_is_sanitised_and_a_plain_text_version_kept(mailbox, account, contact):
    account.deliver(
        message(
            sender=contact.email,
            body="Plain: the pump leaks.",
            html='<p onclick="x()">HTML: the <b>pump</b> leaks.</p><script>alert(1)</script>',
        )
    )
    mailbox_fetch(mailbox=mailbox)
    row = InboundMessage.objects.get()
    assert row.body_text == "Plain: the pump leaks."
    assert "<b>pump</b>" in row.body_html
    assert "script" not in row.body_html
    assert "onclick" not in row.body_html
    assert Case.objects.get().description == "Plain: the pump leaks."


def test_html_only_mail_gets_a_text_version(mailbox, account, contact):
    raw = (
        f"From: {contact.email}\r\nTo: support@aftersales.example.cn\r\nSubject: html\r\n"
        "Message-ID: <html-only@x>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<div>设备<b>报警</b></div><div>请尽快处理</div><style>p{}</style>\r\n"
    ).encode()
    account.deliver(raw)
    mailbox_fetch(mailbox=mailbox)
    assert Case.objects.get().description == "设备报警\n\n请尽快处理"


def test_same_message_id_in_two_mailboxes_opens_one_case(mailbox, account, contact, dovecot):
    from aftersales.mailin.models import Mailbox
    from aftersales.mailin.tests.conftest import Account

    second_account = Account(dovecot)
    second = Mailbox.objects.create(
        name="sales",
        host="127.0.0.1",
        port=dovecot.port,
        security="plain",
        username=second_account.username,
        password=second_account.password,
        fetch_since=None,
    )
    raw = message(sender=contact.email, message_id="<cc-both@hospital.example.cn>")
    account.deliver(raw)
    second_account.deliver(raw)
    mailbox_fetch(mailbox=mailbox)
    result = mailbox_fetch(mailbox=second)
    assert (result.fetched, result.new, result.duplicates) == (1, 0, 1)
    assert Case.objects.count() == 1
    assert DONE in second_account.flags()[1]


def test_messages_without_message_id_are_keyed_by_their_content(mailbox, account, contact):
    one = message(sender=contact.email, message_id=None, body="first")
    two = message(sender=contact.email, message_id=None, body="second")
    account.deliver(one, two, one)
    mailbox_fetch(mailbox=mailbox)
    assert Case.objects.count() == 2
    assert InboundMessage.objects.filter(message_id="").count() == 2


def test_processed_mail_is_moved_when_a_folder_is_set(mailbox, account, contact, dovecot):
    imap = dovecot.connect(account.username, account.password, folder="Done")
    imap.logout()
    mailbox.processed_folder = "Done"
    mailbox.save()
    account.deliver(message(sender=contact.email))
    mailbox_fetch(mailbox=mailbox)
    assert account.flags() == {}
    assert len(account.flags(folder="Done")) == 1
    assert Case.objects.count() == 1


def test_mail_older_than_fetch_since_is_left_alone(mailbox, account, contact):
    import datetime

    from aftersales.core import clock

    mailbox.fetch_since = clock.now() + datetime.timedelta(days=2)
    mailbox.save()
    account.deliver(message(sender=contact.email))
    result = mailbox_fetch(mailbox=mailbox)
    assert result.fetched == 0
    assert Case.objects.count() == 0


def test_gbk_mail_through_the_server_decodes(mailbox, account, contact):
    import base64

    subject = "=?gb2312?B?" + base64.b64encode("朱镕基路设备报修".encode("gbk")).decode() + "?="
    raw = (
        f"From: {contact.email}\r\nTo: support@aftersales.example.cn\r\nSubject: {subject}\r\n"
        "Message-ID: <gbk-1@hospital.example.cn>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "堃宇大厦三楼的设备无法开机。".encode("gbk")
    account.deliver(raw)
    mailbox_fetch(mailbox=mailbox)
    case = Case.objects.get()
    assert case.summary == "朱镕基路设备报修"
    assert case.description == "堃宇大厦三楼的设备无法开机。"


def test_the_periodic_task_is_scheduled_and_fetches(mailbox, account, contact, settings):
    from aftersales.core.scheduler import periodic_tasks, run_due

    # given the task in the schedule (every minute)
    assert ("aftersales.mailin.tasks.mailin_fetch_task", 60) in settings.AFTERSALES_PERIODIC_TASKS
    [task] = [t for t in periodic_tasks() if t.name.endswith("mailin_fetch_task")]
    account.deliver(message(sender=contact.email))
    # when the scheduler runs it
    ran = run_due([task], now=0.0, manage_connections=False)
    # then the mail became a case
    assert ran == ["aftersales.mailin.tasks.mailin_fetch_task"]
    assert Case.objects.get().channel == "email"


def test_inactive_mailboxes_are_not_fetched(mailbox, account, contact):
    from aftersales.mailin.tasks import mailin_fetch_task

    mailbox.is_active = False
    mailbox.save()
    account.deliver(message(sender=contact.email))
    assert mailin_fetch_task()["mailboxes"] == 0
    assert Case.objects.count() == 0


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_mail_is_fetched_over_tls(security, mailbox, account, contact, dovecot):
    if dovecot.tls_port is None:
        pytest.skip("openssl is missing: the test Dovecot has no certificate")
    # given a mailbox on IMAPS (or STARTTLS) with the server's self-signed certificate
    mailbox.security = security
    mailbox.port = dovecot.tls_port if security == "ssl" else dovecot.port
    mailbox.tls_verify = False
    mailbox.save()
    account.deliver(message(sender=contact.email))
    result = mailbox_fetch(mailbox=mailbox)
    assert (result.error, result.new) == ("", 1)
    assert Case.objects.count() == 1


def test_an_untrusted_certificate_is_refused_when_verifying(mailbox, account, dovecot):
    if dovecot.tls_port is None:
        pytest.skip("openssl is missing: the test Dovecot has no certificate")
    mailbox.security = "ssl"
    mailbox.port = dovecot.tls_port
    mailbox.save()
    result = mailbox_fetch(mailbox=mailbox)
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    mailbox.refresh_from_db()
    assert mailbox.failure_count == 1


def test_a_reply_threads_by_the_message_id_of_our_own_case_mail(mailbox, account, contact):
    from aftersales.core import clock
    from aftersales.notifications.models import Delivery

    # given a case and the e-mail we sent about it (in the notifications' delivery log)
    case = _opened_case(mailbox, account, contact)
    Delivery.objects.create(
        kind="case_reply",
        case=case,
        channel="email",
        address=contact.email,
        message_id="<notice-777@aftersales.example.cn>",
        dedupe_key="mailin-test-777",
        created_at=clock.now(),
    )
    # when the contact answers it (no case number in the subject, no case.<NUMBER> reference)
    account.deliver(
        message(
            sender=contact.email,
            subject="Re: your request",
            body="Tomorrow morning is fine.",
            in_reply_to="<notice-777@aftersales.example.cn>",
        )
    )
    mailbox_fetch(mailbox=mailbox)
    # then it is a comment on that case
    assert Case.objects.count() == 1
    assert Comment.objects.get(case=case).body == "Tomorrow morning is fine."
