"""Webhooks and SMS through a real HTTP receiver on loopback; the delivery log for admins."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from aftersales.cases.services import case_transition
from aftersales.core import clock
from aftersales.notifications import webhooks
from aftersales.notifications.choices import DeliveryStatus
from aftersales.notifications.models import Delivery, WebhookEndpoint
from aftersales.notifications.services import notifications_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(receiver):
    return WebhookEndpoint.objects.create(name="ERP", url=receiver.url, secret="s3cret-值")


def test_webhook_json_is_signed_with_a_timestamp(receiver, endpoint, make_case, agent):
    case = make_case()
    case_transition(case=case, to="diagnosing", by=agent)
    notifications_deliver()
    assert [r["headers"]["X-Aftersales-Event"] for r in receiver.requests] == [
        "case_created",
        "first_response",
    ]
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        stamp = headers[webhooks.TIMESTAMP_HEADER]
        assert abs(int(stamp) - time.time()) < 60
        assert webhooks.verify("s3cret-值", stamp, body, headers[webhooks.SIGNATURE_HEADER])
        assert not webhooks.verify("wrong", stamp, body, headers[webhooks.SIGNATURE_HEADER])
        assert not webhooks.verify(
            "s3cret-值", int(stamp) + 1, body, headers[webhooks.SIGNATURE_HEADER]
        )
        assert headers["Content-Type"].startswith("application/json")
    payload = receiver.json(1)
    assert payload["kind"] == "first_response"
    assert payload["case"]["number"] == case.number
    assert payload["case"]["customer"] == "ACME"
    assert payload["data"]["to_status"] == "diagnosing"


def test_an_endpoint_receives_only_the_kinds_it_asked_for(receiver, make_case, agent):
    WebhookEndpoint.objects.create(name="BI", url=receiver.url, events=["case_resolved"])
    case = make_case()
    case = case_transition(case=case, to="diagnosing", by=agent)
    case_transition(case=case, to="resolved", by=agent, note="已修复")
    notifications_deliver()
    assert [r["headers"]["X-Aftersales-Event"] for r in receiver.requests] == ["case_resolved"]


def test_a_failing_receiver_is_retried_with_backoff_and_the_log_shows_it(
    receiver, endpoint, make_case, admin_user, client_for, client
):
    receiver.answers = [500]
    make_case()
    notifications_deliver()
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == DeliveryStatus.PENDING
    assert (delivery.attempts, delivery.response_code) == (1, 500)
    assert "500" in delivery.last_error
    assert delivery.response_excerpt == "receiver down"
    wait = (delivery.next_attempt_at - clock.now()).total_seconds()
    assert 25 < wait <= 30
    notifications_deliver()  # not yet due: nothing sent
    assert len(receiver.requests) == 1
    notifications_deliver(now=clock.now() + timedelta(seconds=31))
    assert [r["status"] for r in receiver.requests] == [500, 200]
    first, second = receiver.requests
    assert first["body"] == second["body"]  # the same event, byte for byte
    assert first["headers"]["X-Aftersales-Delivery"] == second["headers"]["X-Aftersales-Delivery"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 2, 200)

    # The staff API (administrators) ...
    answer = client_for(admin_user).get("/api/v1/notification-deliveries/?channel=webhook")
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert (row["status"], row["attempts"], row["response_code"]) == ("sent", 2, 200)
    # ... and the admin show the delivery log.
    client.force_login(admin_user)
    page = client.get("/admin/notifications/delivery/")
    assert page.status_code == 200
    assert receiver.url in page.content.decode()
    assert client.get(f"/admin/notifications/delivery/{delivery.pk}/change/").status_code == 200


def test_after_the_last_attempt_a_delivery_fails_and_an_admin_can_send_it_again(
    receiver, endpoint, make_case, admin_user, client_for, agent, settings
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    receiver.answers = [503, 503]
    make_case()
    notifications_deliver()
    notifications_deliver(now=clock.now() + timedelta(seconds=31))
    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    api = client_for(admin_user)
    assert client_for(agent).get("/api/v1/notification-deliveries/").json()["results"] == []
    assert (
        client_for(agent).post(f"/api/v1/notification-deliveries/{delivery.pk}/retry/").status_code
        == 404
    )
    answer = api.post(f"/api/v1/notification-deliveries/{delivery.pk}/retry/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "pending"
    assert api.post(f"/api/v1/notification-deliveries/{delivery.pk}/retry/").status_code == 400
    notifications_deliver()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 3)


def test_sms_through_the_http_gateway(receiver, settings, make_case, contact):
    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.HttpGatewaySmsBackend"
    settings.NOTIFICATIONS_SMS_URL = receiver.url
    settings.NOTIFICATIONS_SMS_TOKEN = "gw-token"
    case = make_case(contact=contact)  # an acknowledgement goes by e-mail and SMS by default
    receiver.answers = [502]
    notifications_deliver()
    notifications_deliver(now=clock.now() + timedelta(seconds=31))
    assert [r["status"] for r in receiver.requests] == [502, 200]
    request = receiver.requests[1]
    assert request["headers"]["Authorization"] == "Bearer gw-token"
    body = json.loads(request["body"])
    assert body["to"] == "13900001111"
    assert case.number in body["text"]
    assert "已受理" in body["text"]
    assert request["headers"]["Idempotency-Key"] == body["id"]
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("sent", 2)


def test_a_refused_number_is_not_retried(receiver, settings, make_case, contact):
    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.HttpGatewaySmsBackend"
    settings.NOTIFICATIONS_SMS_URL = receiver.url
    receiver.answers = [400]
    make_case(contact=contact)
    notifications_deliver()
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.response_code) == ("failed", 1, 400)
