"""The admin of the channels logs, the directory of known numbers, the ledger purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from aftersales.channels.models import Call, KnownNumber, SmsMessage, WebhookEvent
from aftersales.channels.selectors import caller_identify
from aftersales.channels.tasks import webhook_events_purge_task
from aftersales.core import clock
from aftersales.customers.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_calls_sms_chats_and_webhook_events(client, admin_user, cti, sms, wang):
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    cti("c-a", "ringing", "13800138000")
    sms("m-a", "13800138000", "你好")
    client.force_login(admin_user)
    for model in ("call", "smsmessage", "chat", "webhookevent", "knownnumber"):
        response = client.get(f"/admin/channels/{model}/")
        assert response.status_code == 200, model
    call = Call.objects.get()
    page = client.get(f"/admin/channels/call/{call.pk}/change/").content.decode()
    assert "c-a" in page
    assert "13800138000" in client.get("/admin/channels/smsmessage/").content.decode()
    # logs are read, not written, in the admin
    assert client.get("/admin/channels/call/add/").status_code == 403


def test_the_directory_follows_contact_changes(customer, other_customer):
    contact = ContactFactory(customer=customer, name="李娜", mobile="139 1234 5678", phone="")
    assert caller_identify("+8613912345678").contact == contact
    contact.mobile = "+86 137 0000 1111"
    contact.save()
    assert caller_identify("+8613912345678").customer is None
    assert caller_identify("+8613700001111").contact == contact
    # a shared office number of two organisations decides nothing
    ContactFactory(customer=customer, mobile="", phone="021-5555 0000")
    ContactFactory(customer=other_customer, mobile="", phone="02155550000")
    match = caller_identify("+862155550000")
    assert match.is_ambiguous
    assert match.customer is None


def test_reindex_rebuilds_the_directory(customer):
    ContactFactory(customer=customer, mobile="13811112222", phone="")
    KnownNumber.objects.all().delete()
    call_command("channels_reindex")
    assert KnownNumber.objects.filter(number="+8613811112222").exists()


def test_old_webhook_events_are_forgotten(sms):
    sms("m-old", "13800138000", "旧消息")
    WebhookEvent.objects.update(received_at=clock.now() - timedelta(days=31))
    sms("m-new", "13800138000", "新消息")
    assert webhook_events_purge_task() == 1
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == ["m-new"]
    assert SmsMessage.objects.count() == 2
