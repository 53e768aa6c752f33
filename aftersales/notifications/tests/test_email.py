"""E-mail through a real SMTP server on loopback: language, threading, once only, rollbacks."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection, transaction

from aftersales.cases.services import case_comment, case_transition
from aftersales.notifications.choices import DeliveryStatus
from aftersales.notifications.models import Delivery
from aftersales.notifications.selectors import case_id_for_message_ids
from aftersales.notifications.services import notifications_deliver

pytestmark = pytest.mark.django_db

MESSAGE_ID = re.compile(r"^<case\.(?P<number>[^.\s]+)\.[0-9a-f]{16}@aftersales\.example\.cn>$")


def test_acknowledgement_in_chinese_threaded_on_the_case(smtp, make_case, contact, asset):
    case = make_case(contact=contact, asset=asset, severity="C-1")
    result = notifications_deliver()
    assert result.sent.sent == 2 or result.sent.sent == 1  # e-mail (+ SMS on the console)
    [mail] = smtp.to("wang.wei@hospital.example.cn")
    subject = str(mail["Subject"]).strip()  # folded encoded-words may leave a space
    assert subject.startswith(f"[{case.number}] ")
    assert "已受理您的服务请求" in subject
    assert case.summary in subject
    match = MESSAGE_ID.match(mail["Message-ID"])
    assert match
    assert match["number"] == case.number
    thread = f"<case.{case.number}.thread@aftersales.example.cn>"
    assert mail["In-Reply-To"] == thread
    assert thread in mail["References"]
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "王伟" in text
    assert case.number in text
    due = next(c.due_at for c in case.live_sla_clocks if c.target == "response")
    from django.utils import timezone

    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert 'lang="zh-hans"' in html
    # Recorded, so the e-mail intake can thread the customer's reply to this case.
    delivery = Delivery.objects.get(channel="email", address="wang.wei@hospital.example.cn")
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.message_id == mail["Message-ID"]
    assert case_id_for_message_ids(["<unknown@x>", mail["Message-ID"]]) == case.pk


def test_a_contact_with_an_english_account_reads_english(smtp, make_case, en_contact, agent):
    case = make_case(contact=en_contact)
    case = case_transition(case=case, to="responded", by=agent, note="We are on it.")
    case = case_transition(case=case, to="resolved", by=agent, note="Replaced the SFP module.")
    notifications_deliver()
    mails = smtp.to("li.na@hospital.example.cn")
    subjects = [str(m["Subject"]).strip() for m in mails]
    assert subjects == [
        f"[{case.number}] We have registered your request: {case.summary}",
        f"[{case.number}] An engineer has responded to your request",
        f"[{case.number}] Resolved: please confirm and rate our service",
    ]
    resolved = mails[2].get_body(preferencelist=("plain",)).get_content()
    assert "Replaced the SFP module." in resolved
    assert f"/portal/cases/{case.number}/" in resolved  # where they confirm and rate
    # Every mail of the case refers to the same thread.
    assert len({m["References"] for m in mails}) == 1
    assert len({m["Message-ID"] for m in mails}) == 3


def test_the_customer_default_language_applies_to_contacts_without_an_account(
    smtp, make_case, contact, customer, admin_user
):
    from aftersales.notifications.services import customer_preferences_set

    customer_preferences_set(by=admin_user, customer=customer, choices={}, language="en")
    case = make_case(contact=contact)
    notifications_deliver()
    [mail] = smtp.to(contact.email)
    assert (
        str(mail["Subject"]).strip().startswith(f"[{case.number}] We have registered your request")
    )


def test_a_public_reply_reaches_the_customer_with_its_text(smtp, make_case, contact, agent):
    case = make_case(contact=contact)
    case_comment(case=case, by=agent, body="您好，请先重启交换机。")
    case_comment(case=case, by=agent, body="内部备注：不要发给客户", public=False)
    notifications_deliver()
    mails = smtp.to(contact.email)
    assert len(mails) == 2
    reply = mails[1].get_body(preferencelist=("plain",)).get_content()
    assert "您好，请先重启交换机。" in reply
    assert "内部备注" not in "".join(
        m.get_body(preferencelist=("plain",)).get_content() for m in mails
    )


def test_never_sent_twice_for_one_event(smtp, make_case, contact):
    make_case(contact=contact)
    notifications_deliver()
    notifications_deliver()
    assert len(smtp.to(contact.email)) == 1


def test_a_rolled_back_transaction_sends_nothing(smtp, make_case, contact):
    def fail_after_opening() -> None:
        with transaction.atomic():
            make_case(contact=contact)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        fail_after_opening()
    notifications_deliver()
    assert smtp.messages == []
    assert Delivery.objects.count() == 0


def test_a_refused_address_fails_for_good_and_is_logged(smtp, make_case, contact):
    smtp.refuse.add(contact.email)
    make_case(contact=contact)
    result = notifications_deliver()
    assert result.sent.failed == 1
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == DeliveryStatus.FAILED
    assert "550" in delivery.last_error
    assert delivery.attempts == 1


def test_an_smtp_outage_is_retried_with_backoff(settings, smtp, make_case, contact):
    from datetime import timedelta

    from aftersales.core import clock

    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    make_case(contact=contact)
    notifications_deliver()
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error
    wait = (delivery.next_attempt_at - clock.now()).total_seconds()
    assert 25 < wait <= 30  # NOTIFICATIONS_RETRY_BASE_SECONDS
    settings.EMAIL_PORT = port
    notifications_deliver()  # not due yet
    assert smtp.messages == []
    notifications_deliver(now=clock.now() + timedelta(seconds=31))
    assert len(smtp.to(contact.email)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_every_message_exactly_once(smtp, make_case, customer, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED row locks are a PostgreSQL matter; SQLite serialises writers")
    from aftersales.customers.tests.factories import ContactFactory

    settings.NOTIFICATIONS_BATCH = 3
    contacts = [ContactFactory(customer=customer, email=f"p{n}@example.cn") for n in range(12)]
    for person in contacts:
        make_case(contact=person)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                notifications_deliver()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    received = sorted(str(m["To"]) for m in smtp.messages)
    assert received == sorted(p.email for p in contacts)
    assert Delivery.objects.filter(channel="email", status="sent").count() == 12


def test_a_claimed_delivery_is_not_taken_by_another_worker_until_its_lease_ends(
    smtp, make_case, contact, settings
):
    from datetime import timedelta

    from aftersales.core import clock
    from aftersales.notifications.services import deliveries_claim, deliveries_send, events_fan_out

    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.LocmemSmsBackend"
    make_case(contact=contact)
    events_fan_out()
    now = clock.now()
    _token, mine = deliveries_claim(now=now, size=10)  # a worker that then dies
    assert {d.channel for d in mine} == {"email", "sms"}
    _token, theirs = deliveries_claim(now=now, size=10)
    assert theirs == []
    assert deliveries_send(now=now).sent == 0
    assert smtp.messages == []
    later = now + timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS + 1)
    assert deliveries_send(now=later).sent == 2
    assert len(smtp.to(contact.email)) == 1


def test_field_service_and_spare_part_messages(smtp, make_case, contact, en_contact, settings):
    import datetime as dt

    from aftersales.notifications import services
    from aftersales.notifications.sms import LocmemSmsBackend

    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    case = make_case(contact=contact)
    eta = dt.datetime(2026, 11, 26, 6, 30, tzinfo=dt.UTC)  # 14:30 in Shanghai
    services.engineer_dispatched(
        case=case, engineer_name="张强", engineer_phone="13800009999", eta=eta, dedupe_key="v1"
    )
    services.part_shipped(
        case=case,
        part_name="光模块",
        part_number="SFP-10G",
        carrier="顺丰",
        tracking_number="SF1234567890",
        dedupe_key="s1",
    )
    services.part_return_overdue(case=case, part_name="光模块", return_due=eta, dedupe_key="r1")
    english = make_case(contact=en_contact)
    services.part_shipped(
        case=english,
        part_name="SFP module",
        dedupe_key="s2",
        carrier="SF Express",
        tracking_number="SF999",
    )
    notifications_deliver()
    mails = {str(m["Subject"]).strip(): m for m in smtp.to(contact.email)}
    body = {
        s.split("] ", 1)[1]: m.get_body(preferencelist=("plain",)).get_content()
        for s, m in mails.items()
    }
    assert "工程师：张强" in body["已派工程师 张强"]
    assert "联系电话：13800009999" in body["已派工程师 张强"]
    assert "预计到达：2026-11-26 14:30" in body["已派工程师 张强"]
    assert "运单号：SF1234567890" in body["备件已发货：光模块"]
    assert "2026-11-26 前寄回" in body["请尽快寄回故障件：光模块"]
    [shipped] = [m for m in smtp.to(en_contact.email) if "Spare part" in str(m["Subject"])]
    assert "Tracking number: SF999" in shipped.get_body(preferencelist=("plain",)).get_content()
    texts = [t["text"] for t in LocmemSmsBackend.outbox if t["to"] == "13900001111"]
    assert any("张强（13800009999）已出发，预计 2026-11-26 14:30 到达" in t for t in texts)
