"""A delivery of two lines with documents and a checklist configured for their category."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from aftersales.catalog.tests.factories import ProductFactory
from aftersales.customers.models import Contact
from aftersales.inspection import services
from aftersales.inspection.models import ChecklistItem, RequiredDocument
from aftersales.servicereports.tests.conftest import drawn_signature, smtp

__all__ = ["smtp"]  # the real SMTP sink of the service-report tests

DOCS = ["用户手册", "检验合格证", "质量保证书", "产品合格证"]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signature() -> str:
    return drawn_signature()


@pytest.fixture
def inspector(make_user):
    return make_user("inspector", username="qc_zhao", first_name="质检", last_name="赵")


@pytest.fixture
def products(db):
    for i, name in enumerate(DOCS):
        RequiredDocument.objects.create(category="network", name=name, position=i)
    voltage = ChecklistItem.objects.create(
        category="network", name="输入电压", unit="V", lower=Decimal(200), upper=Decimal(240)
    )
    ports = ChecklistItem.objects.create(category="network", name="端口通过率", unit="%", lower=99)
    switch = ProductFactory(code="SW-9300", name="核心交换机 S9300", category="network")
    ups = ProductFactory(code="UPS-10", name="不间断电源 10kVA", category="power")
    return {"switch": switch, "ups": ups, "voltage": voltage, "ports": ports}


@pytest.fixture
def purchaser(customer):
    return Contact.objects.create(
        customer=customer, name="采购部王工", email="wang@hospital.example.cn"
    )


@pytest.fixture
def delivery(agent, customer, products, purchaser):
    return services.delivery_create(
        by=agent,
        customer=customer,
        delivery_date=datetime.date(2026, 11, 20),
        project="影像中心网络改造",
        acceptance_team="王工、李工",
        purchaser=purchaser,
        supplier="华东网络设备有限公司",
        supplier_email="sales@supplier.example.cn",
        lines=[
            {"product": products["switch"], "quantity": 2, "serials": ["SW-A1", "SW-A2"]},
            {"product": products["ups"], "quantity": 1, "serials": ["UPS-B1"]},
        ],
    )


def initial_checks(delivery: Any, **override: Any) -> list[dict[str, Any]]:
    switch, ups = delivery.lines.order_by("position")
    first = {
        "line": switch.pk,
        "quantity_counted": 2,
        "appearance_ok": True,
        "documents_present": list(DOCS),
    }
    first.update(override)
    return [first, {"line": ups.pk, "quantity_counted": 1, "appearance_ok": True}]


def professional_checks(delivery: Any, products: Any, *, voltage: str = "220") -> list:
    switch, ups = delivery.lines.order_by("position")
    measurements = [
        {"item": products["voltage"].pk, "value": voltage},
        {"item": products["ports"].pk, "value": "100"},
    ]
    return [
        {"line": switch.pk, "measurements": measurements, "verdict": "pass"},
        {"line": ups.pk, "measurements": [], "verdict": "pass"},
    ]
