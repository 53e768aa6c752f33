"""Exchange repair: due 72 working hours after receipt, the status path, parts used from stock,
and one timeline warning at 75 % and one breach."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.cases.models import CaseEvent
from aftersales.parts import services
from aftersales.parts.models import ExchangeRepair, Stock
from aftersales.parts.selectors import ledger_mismatches, open_exchanges

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_exchange_repair_path_through_the_api(
    client_for, engineer, clerk, make_case, depot, part, receive
):
    case = make_case()
    receive(depot, part, 3)
    api = client_for(engineer)
    r = api.post(
        "/api/v1/exchange-repairs/",
        {
            "case": case.number,
            "part_number": part.part_number,
            "depot": depot.code,
            "received_at": "2026-09-30T13:00:00+08:00",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    number = r.json()["number"]
    assert datetime.fromisoformat(r.json()["due_at"]) == datetime(2026, 10, 19, 13, tzinfo=SH)
    url = f"/api/v1/exchange-repairs/{number}/status/"
    skip = api.post(url, {"status": "shipped_back"}, format="json")
    assert skip.status_code == 409
    assert skip.json()["allowed"] == ["in_repair"]
    assert api.post(url, {"status": "in_repair"}, format="json").status_code == 200
    too_many = api.post(
        url,
        {"status": "replaced", "parts_used": [{"part_number": part.part_number, "quantity": 4}]},
        format="json",
    )
    assert too_many.status_code == 409
    assert ExchangeRepair.objects.get(number=number).status == "in_repair"
    r = api.post(
        url,
        {"status": "replaced", "parts_used": [{"part_number": part.part_number, "quantity": 1}]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert Stock.objects.get(depot=depot, part=part, condition="good").quantity == 2
    r = api.post(url, {"status": "shipped_back"}, format="json")
    assert r.json()["status"] == "shipped_back"
    assert r.json()["completed_at"]
    assert ledger_mismatches() == []
    assert CaseEvent.objects.filter(case=case, field="exchange_repair").count() == 4


def test_clock_warns_once_at_75_percent_and_breaches_once(clerk, make_case, depot, part):
    case = make_case()
    order = services.exchange_create(
        by=clerk, case=case, part=part, depot=depot, received_at=datetime(2026, 11, 2, 9, tzinfo=SH)
    )
    assert order.warn_at == datetime(2026, 11, 10, 15, tzinfo=SH)
    assert services.exchange_clock_check(now=datetime(2026, 11, 10, 14, 59, tzinfo=SH)) == 0
    assert services.exchange_clock_check(now=datetime(2026, 11, 10, 15, tzinfo=SH)) == 1
    assert services.exchange_clock_check(now=datetime(2026, 11, 11, 9, tzinfo=SH)) == 0
    assert services.exchange_clock_check(now=datetime(2026, 11, 12, 17, tzinfo=SH)) == 1
    assert services.exchange_clock_check(now=datetime(2026, 11, 20, tzinfo=SH)) == 0
    events = CaseEvent.objects.filter(case=case, kind="sla", field="exchange_repair")
    assert events.count() == 2
    order.refresh_from_db()
    assert order.warned
    assert order.breached
    assert list(open_exchanges()) == [order]


def test_customer_cannot_open_exchange_repairs(client_for, contact_user, make_case, depot, part):
    case = make_case()
    r = client_for(contact_user).post(
        "/api/v1/exchange-repairs/",
        {
            "case": case.number,
            "part_number": part.part_number,
            "depot": depot.code,
            "received_at": "2026-09-30T13:00:00+08:00",
        },
        format="json",
    )
    assert r.status_code == 403
    assert not ExchangeRepair.objects.exists()
