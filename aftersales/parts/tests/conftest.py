from __future__ import annotations

import pytest

from aftersales.parts import services


@pytest.fixture
def clerk(make_user):
    return make_user("parts_clerk")


@pytest.fixture
def depot(clerk, region):
    return services.depot_create(by=clerk, code="SH01", name="上海备件库", region=region)


@pytest.fixture
def part(clerk):
    return services.part_create(by=clerk, part_number="PSU-650W", name="电源模块 650W")


@pytest.fixture
def tracked_part(clerk):
    return services.part_create(
        by=clerk, part_number="SUP-2T", name="主控板", serial_tracked=True, unit_cost=12000
    )


@pytest.fixture
def receive(clerk):
    def make(depot, part, quantity=1, serials=()):
        return services.stock_move(
            by=clerk,
            depot=depot,
            part=part,
            kind="receipt",
            to_condition="good",
            quantity=quantity,
            serial_numbers=serials,
        )

    return make


# A real SMTP server on loopback (aiosmtpd), shared with the notification tests.
from aftersales.notifications.tests.conftest import smtp  # noqa: E402, F401
