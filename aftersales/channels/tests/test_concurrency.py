"""Retried and concurrent deliveries of one call's events apply each event once (PostgreSQL)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from aftersales.cases.models import Case, Comment
from aftersales.channels.models import Call, WebhookEvent

from .conftest import CTI_SECRET, signed_headers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_of_a_calls_events_apply_each_once(agent_ext):
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite is one connection per thread; the PostgreSQL run covers this")
    events = [
        {"call_id": "race-1", "event": e, "caller": "0571-8765 4321", "callee": "8001"}
        for e in ("ringing", "answered", "ended")
    ]
    statuses: list[int] = []
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        client = Client()
        try:
            start.wait()
            for payload in events:
                body = json.dumps(payload).encode()
                response = client.post(
                    "/api/v1/cti/calls/",
                    data=body,
                    content_type="application/json",
                    **signed_headers(CTI_SECRET, body),
                )
                statuses.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert statuses == [200] * 24
    call = Call.objects.get()
    assert call.state == "ended"
    assert WebhookEvent.objects.count() == 3
    case = Case.objects.get()  # one draft case, not one per delivery
    assert call.case == case
    assert Comment.objects.filter(case=case, is_public=False).count() == 1
