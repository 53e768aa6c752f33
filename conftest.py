"""Shared fixtures: users of every role, API clients, and a case built by the real service."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Tests never reach beyond loopback.
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and host not in ("127.0.0.1", "::1", "localhost")
        and not host.startswith("/")
    ):
        raise RuntimeError(f"network access beyond loopback blocked in tests: {address!r}")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture
def region(db):
    from aftersales.customers.tests.factories import RegionFactory

    return RegionFactory(code="east", name="华东区")


@pytest.fixture
def customer(region):
    from aftersales.customers.tests.factories import CustomerFactory

    return CustomerFactory(code="ACME", name="上海市第一人民医院", region=region)


@pytest.fixture
def other_customer(region):
    from aftersales.customers.tests.factories import CustomerFactory

    return CustomerFactory(code="OTHER", name="广州地铁集团", region=region)


@pytest.fixture
def make_user(db) -> Callable[..., Any]:
    from aftersales.accounts.tests.factories import UserFactory

    def make(role: str = "agent", **kwargs: Any) -> Any:
        kwargs.setdefault(
            "username", role if "customer" not in kwargs else f"{role}_{kwargs['customer'].code}"
        )
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin")


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


@pytest.fixture
def agent(make_user):
    return make_user("agent")


@pytest.fixture
def engineer(make_user):
    return make_user("engineer")


@pytest.fixture
def contact_user(make_user, customer):
    return make_user("customer_contact", customer=customer, username="contact_acme")


@pytest.fixture
def other_contact_user(make_user, other_customer):
    return make_user("customer_contact", customer=other_customer, username="contact_other")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def client_for(db) -> Callable[[Any], Any]:
    """Return an API client signed in (by token) as the given user."""
    from rest_framework.test import APIClient

    from aftersales.accounts.services import token_get_or_create

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=user)}")
        return client

    return make


@pytest.fixture
def asset(customer):
    from aftersales.catalog.tests.factories import AssetFactory, ContractFactory

    contract = ContractFactory(number="C24-001", customer=customer, service_level="7x24")
    return AssetFactory(serial_number="SN-0001", customer=customer, contract=contract)


@pytest.fixture
def make_case(agent, customer) -> Callable[..., Any]:
    """Open a case through ``case_create`` (defaults: a C-2 fault by phone for ``customer``)."""
    from aftersales.cases.services import case_create

    def make(**kwargs: Any) -> Any:
        fields: dict[str, Any] = {
            "by": agent,
            "customer": customer,
            "case_type": "fault",
            "channel": "phone",
            "severity": "C-2",
            "summary": "核心交换机端口频繁掉线",
            "description": "机房A的核心交换机 3 号端口每小时掉线一次。",
        }
        fields.update(kwargs)
        return case_create(**fields)

    return make
