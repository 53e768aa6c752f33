"""Many parallel requests for the last unit on PostgreSQL: exactly one wins, the others get 409
and nothing else is reserved."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from aftersales.accounts.services import token_get_or_create
from aftersales.parts import services
from aftersales.parts.models import Replacement, Stock, StockMovement
from aftersales.parts.selectors import ledger_mismatches

CLIENTS = 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_requests_for_the_last_unit(make_user, make_case, region):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locking")
    clerk = make_user("parts_clerk")
    engineer = make_user("engineer")
    depot = services.depot_create(by=clerk, code="SH01", name="上海备件库", region=region)
    part = services.part_create(by=clerk, part_number="PSU-650W", name="电源模块")
    services.stock_move(by=clerk, depot=depot, part=part, kind="receipt", to_condition="good")
    cases = [make_case() for _ in range(CLIENTS)]
    token = token_get_or_create(user=engineer)
    barrier = threading.Barrier(CLIENTS)
    codes: list[int] = []

    def run(case_number: str) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait()
            r = client.post(
                "/api/v1/replacements/",
                {
                    "case": case_number,
                    "part_number": part.part_number,
                    "depot": depot.code,
                    "fault_confirmed_at": "2026-11-02T10:00:00+08:00",
                },
                format="json",
            )
            codes.append(r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c.number,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] + [409] * (CLIENTS - 1)
    assert Replacement.objects.count() == 1
    assert Stock.objects.get(depot=depot, part=part, condition="reserved").quantity == 1
    assert Stock.objects.get(depot=depot, part=part, condition="good").quantity == 0
    assert StockMovement.objects.filter(kind="reservation").count() == 1
    assert ledger_mismatches() == []
