"""Fixtures of the channels tests: webhook secrets, signed requests, contacts with numbers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from aftersales.channels import signing

CTI_SECRET = "cti-test-secret-0123456789"  # noqa: S105 (a test secret)
SMS_SECRET = "sms-test-secret-9876543210"  # noqa: S105 (a test secret)


@pytest.fixture(autouse=True)
def _secrets(settings: Any) -> None:
    settings.CHANNELS_CTI_SECRET = CTI_SECRET
    settings.CHANNELS_SMS_SECRET = SMS_SECRET
    settings.CHANNELS_LOCAL_AREA_CODE = "21"


def signed_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "HTTP_X_AFTERSALES_TIMESTAMP": str(ts),
        "HTTP_X_AFTERSALES_SIGNATURE": signing.sign(secret, ts, body),
    }


@pytest.fixture
def post_signed(client: Any) -> Callable[..., Any]:
    """Return ``post(path, payload, secret=..., timestamp=None, raw=None)``: a signed POST."""

    def post(
        path: str,
        payload: Any = None,
        *,
        secret: str = CTI_SECRET,
        timestamp: int | None = None,
        raw: bytes | None = None,
    ) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        return client.post(
            path,
            data=body,
            content_type="application/json",
            **signed_headers(secret, body, timestamp=timestamp),
        )

    return post


@pytest.fixture
def cti(post_signed: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``cti(call_id, event, caller, callee="", **more)``: a signed CTI event."""

    def send(call_id: str, event: str, caller: str, callee: str = "", **more: Any) -> Any:
        payload = {"call_id": call_id, "event": event, "caller": caller, "callee": callee, **more}
        return post_signed("/api/v1/cti/calls/", payload)

    return send


@pytest.fixture
def sms(post_signed: Callable[..., Any]) -> Callable[..., Any]:
    def send(message_id: str, sender: str, text: str, **more: Any) -> Any:
        payload = {"message_id": message_id, "sender": sender, "text": text, **more}
        return post_signed("/api/v1/sms/inbound/", payload, secret=SMS_SECRET)

    return send


@pytest.fixture
def wang(customer: Any) -> Any:
    """A contact of ``customer`` with a mobile and an office phone, written the way people do."""
    from aftersales.customers.tests.factories import ContactFactory

    return ContactFactory(
        customer=customer, name="王伟", mobile="138-0013-8000", phone="(021) 6234 5678 转 801"
    )


@pytest.fixture
def agent_ext(agent: Any) -> Any:
    agent.phone_extension = "8001"
    agent.is_available = True
    agent.save(update_fields=["phone_extension", "is_available"])
    return agent
