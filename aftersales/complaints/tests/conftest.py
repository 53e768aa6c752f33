from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def make_complaint(agent, customer):
    from aftersales.complaints.services import complaint_create

    def make(**kwargs: Any) -> Any:
        fields: dict[str, Any] = {
            "by": agent,
            "customer": customer,
            "subject_kind": "service",
            "summary": "工程师迟到三小时",
            "description": "约定上午九点到场，实际十二点才到。",
            "channel": "phone",
        }
        fields.update(kwargs)
        return complaint_create(**fields)

    return make
