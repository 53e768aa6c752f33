"""Shared builders for SLA tests: contracts, assets and cases at fixed instants."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from aftersales.cases.services import case_create
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory

CST = datetime.timezone(datetime.timedelta(hours=8))


def at(*args: int) -> datetime.datetime:
    """Return an aware Asia/Shanghai instant."""
    return datetime.datetime(*args, tzinfo=CST)


def asset_with_contract(
    customer: Any, *, level: str = "7x24", serial: str = "SN-7X24", **contract: Any
) -> Any:
    contract.setdefault("start_date", datetime.date(2026, 1, 1))
    contract.setdefault("end_date", datetime.date(2028, 12, 31))
    c = ContractFactory(customer=customer, service_level=level, number=f"C-{serial}", **contract)
    return AssetFactory(
        customer=customer,
        contract=c,
        serial_number=serial,
        purchase_date=datetime.date(2026, 1, 10),
    )


def open_case(by: Any, customer: Any, when: datetime.datetime, **fields: Any) -> Any:
    """Open a case through the real service with the clock frozen at ``when``."""
    data = {
        "customer": customer,
        "case_type": "fault",
        "channel": "phone",
        "severity": "C-2",
        "summary": "核心交换机宕机",
    }
    data.update(fields)
    with time_machine.travel(when, tick=False):
        return case_create(by=by, **data)


def clocks(case: Any) -> dict[str, Any]:
    """Return the case's live clocks by target, fresh from the database."""
    return {
        c.target: c for c in case.sla_clocks.exclude(state="cancelled").select_related("calendar")
    }
