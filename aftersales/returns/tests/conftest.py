from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

D = dt.date
# 2026-11-25 18:00 in Shanghai: "today" is 25 November in the policy's local dates.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def parts_clerk(make_user):
    return make_user("parts_clerk")


@pytest.fixture
def unit(customer):
    from aftersales.catalog.tests.factories import AssetFactory

    return AssetFactory(serial_number="RT-0001", customer=customer, delivery_date=D(2026, 11, 20))


@pytest.fixture
def make_return(contact_user, customer, unit):
    from aftersales.returns.services import return_request_create

    def make(**kwargs: Any) -> Any:
        fields: dict[str, Any] = {
            "by": contact_user,
            "customer": customer,
            "kind": "return",
            "reason": "quality",
            "description": "屏幕有坏点",
            "asset": unit,
        }
        fields.update(kwargs)
        return return_request_create(**fields)

    return make
