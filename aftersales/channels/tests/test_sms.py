"""The inbound SMS webhook: a comment on the sender's open case, or a new case."""

from __future__ import annotations

import pytest

from aftersales.cases.choices import CaseChannel, CaseStatus
from aftersales.cases.models import Case, Comment
from aftersales.cases.services import case_transition
from aftersales.channels.models import SmsMessage, WebhookEvent
from aftersales.customers.services import customer_unassigned

pytestmark = pytest.mark.django_db


def test_a_contacts_sms_is_a_public_comment_on_their_open_case(sms, wang, make_case, agent):
    case = make_case(contact=wang)
    case_transition(case=case, to=CaseStatus.RESPONDED, by=agent)
    case_transition(case=case, to=CaseStatus.WAITING_CUSTOMER, by=agent)
    # when: 王伟 answers by SMS from his mobile, written the CTI's way
    response = sms("m-1", "+8613800138000", "设备已重启，问题依旧。")
    # then
    assert response.status_code == 200
    assert response.json()["action"] == "commented"
    assert response.json()["case"] == case.number
    comment = Comment.objects.get(case=case, is_public=True)
    assert comment.body == "设备已重启，问题依旧。"
    assert comment.author.is_customer_contact
    assert comment.author.customer == wang.customer
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # handed back by the customer's answer
    assert Case.objects.count() == 1


def test_a_contact_without_an_open_case_opens_one(sms, wang):
    response = sms("m-2", "138 0013 8000", "打印机卡纸，请派人来看看。\n地址：三楼")
    assert response.json()["action"] == "created"
    case = Case.objects.get(number=response.json()["case"])
    assert case.channel == CaseChannel.SMS
    assert case.customer == wang.customer
    assert case.contact == wang
    assert case.description == "打印机卡纸，请派人来看看。\n地址：三楼"
    assert "打印机卡纸" in case.summary
    assert case.status == CaseStatus.NEW


def test_unknown_numbers_go_to_the_unassigned_customer_and_thread_there(sms):
    first = sms("m-3", "+86 139 1111 2222", "你好，我们的服务器坏了")
    second = sms("m-4", "13911112222", "型号是 HX-2400")
    assert first.json()["action"] == "created"
    assert first.json()["customer"] == customer_unassigned().code
    assert second.json()["action"] == "commented"
    assert second.json()["case"] == first.json()["case"]
    case = Case.objects.get(number=first.json()["case"])
    assert case.customer == customer_unassigned()
    assert Comment.objects.get(case=case).body == "型号是 HX-2400"


def test_each_message_id_is_applied_once(sms, wang):
    first = sms("m-5", "13800138000", "第一条")
    again = sms("m-5", "13800138000", "第一条")
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert SmsMessage.objects.count() == 1
    assert Case.objects.count() == 1
    assert sms("m-5", "13800138000", "另一条").status_code == 409


def test_bad_sms_requests_store_nothing(sms, post_signed, client):
    assert sms("m-6", "hello", "text").status_code == 400
    assert sms("m-7", "13800138000", "   ").status_code == 400
    assert post_signed("/api/v1/sms/inbound/", {"message_id": "m-8"}, secret="x").status_code == 401
    # signed with the CTI's secret: not the SMS gateway
    response = post_signed(
        "/api/v1/sms/inbound/", {"message_id": "m-9", "sender": "13800138000", "text": "hi"}
    )
    assert response.status_code == 401
    assert (SmsMessage.objects.count(), WebhookEvent.objects.count(), Case.objects.count()) == (
        0,
        0,
        0,
    )
