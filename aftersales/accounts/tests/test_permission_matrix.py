"""Each role × each resource × read/write, customer isolation included.

Every denied write is checked to have changed nothing.
"""

from __future__ import annotations

import pytest

from aftersales.cases.models import Case
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory, ProductFactory
from aftersales.customers.models import Contact, Customer, Region, Site
from aftersales.customers.tests.factories import ContactFactory, SiteFactory

ROLES = [
    "anonymous",
    "admin",
    "supervisor",
    "agent",
    "engineer",
    "parts_clerk",
    "inspector",
    "customer",
    "other_customer",
]
STAFF = {"admin", "supervisor", "agent", "engineer", "parts_clerk", "inspector"}


@pytest.fixture
def world(db, customer, other_customer, make_case, agent):
    product = ProductFactory(code="HX-S7700", name="核心交换机")
    contract = ContractFactory(number="C-ACME", customer=customer)
    asset = AssetFactory(
        serial_number="SN-ACME-1", customer=customer, contract=contract, product=product
    )
    contact = ContactFactory(customer=customer)
    site = SiteFactory(customer=customer)
    case = make_case(asset=asset)
    return {
        "product": product,
        "contract": contract,
        "asset": asset,
        "contact": contact,
        "site": site,
        "case": case,
    }


@pytest.fixture
def client_as(api_client, client_for, make_user, customer, other_customer, admin_user, agent):
    def make(role):
        if role == "anonymous":
            return api_client
        if role == "admin":
            return client_for(admin_user)
        if role == "agent":
            return client_for(agent)
        if role == "customer":
            return client_for(make_user("customer_contact", customer=customer, username="c1"))
        if role == "other_customer":
            return client_for(make_user("customer_contact", customer=other_customer, username="c2"))
        return client_for(make_user(role))

    return make


def _read_expectation(role: str, *, own: bool) -> int:
    if role == "anonymous":
        return 401
    if role in STAFF:
        return 200
    if role == "customer":
        return 200 if own else 404
    return 404 if own else 200  # the other customer: reversed ownership


READS = [
    ("/api/v1/customers/ACME/", True),
    ("/api/v1/customers/OTHER/", False),
    ("/api/v1/contracts/C-ACME/", True),
    ("/api/v1/assets/SN-ACME-1/", True),
    ("/api/v1/contacts/{contact}/", True),
    ("/api/v1/sites/{site}/", True),
    ("/api/v1/cases/{case}/", True),
    ("/api/v1/cases/{case}/timeline/", True),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "own"), READS)
def test_read_detail(world, client_as, role, url, own):
    url = url.format(contact=world["contact"].pk, site=world["site"].pk, case=world["case"].number)
    expected = _read_expectation(role, own=own)
    if url == "/api/v1/customers/OTHER/" and role == "other_customer":
        expected = 200
    elif url == "/api/v1/customers/OTHER/" and role == "customer":
        expected = 404
    assert client_as(role).get(url).status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "resource", ["customers", "contacts", "sites", "contracts", "assets", "cases", "regions"]
)
def test_list_is_scoped(world, client_as, role, resource, customer):
    response = client_as(role).get(f"/api/v1/{resource}/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    results = response.json()["results"]
    if role == "other_customer":
        own_objects = {"customers": 1, "regions": 1}.get(resource, 0)
        assert len(results) == own_objects
    elif role == "customer":
        assert len(results) == 1


def test_products_are_readable_by_every_signed_in_user(world, client_as):
    for role in ROLES[1:]:
        assert client_as(role).get("/api/v1/products/HX-S7700/").status_code == 200


# (resource URL, payload, model, capability holders)
CREATES = [
    ("/api/v1/regions/", {"code": "north", "name": "华北区"}, Region, {"admin"}),
    (
        "/api/v1/products/",
        {"code": "NEW-1", "name": "新产品", "category": "server"},
        Product,
        {"admin"},
    ),
    (
        "/api/v1/customers/",
        {"code": "NEWC", "name": "新客户", "region": "east"},
        Customer,
        {"admin", "supervisor", "agent"},
    ),
    (
        "/api/v1/contacts/",
        {"customer": "ACME", "name": "王伟", "phone": "13800000000"},
        Contact,
        {"admin", "supervisor", "agent"},
    ),
    (
        "/api/v1/sites/",
        {"customer": "ACME", "name": "新机房"},
        Site,
        {"admin", "supervisor", "agent"},
    ),
    (
        "/api/v1/contracts/",
        {
            "number": "C-NEW",
            "customer": "ACME",
            "service_level": "7x24",
            "hardware_warranty_months": 36,
            "warranty_start": "final_acceptance",
            "software_upgrade_months": 36,
        },
        Contract,
        {"admin", "supervisor"},
    ),
    (
        "/api/v1/assets/",
        {
            "serial_number": "SN-NEW",
            "product": "HX-S7700",
            "customer": "ACME",
            "purchase_date": "2026-01-01",
        },
        Asset,
        {"admin", "supervisor", "agent"},
    ),
    (
        "/api/v1/cases/",
        {
            "customer": "ACME",
            "case_type": "fault",
            "channel": "web",
            "severity": "C-2",
            "summary": "测试",
        },
        Case,
        {"admin", "supervisor", "agent", "engineer", "customer"},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "payload", "model", "allowed"), CREATES)
def test_create(world, client_as, role, url, payload, model, allowed):
    client = client_as(role)
    before = model.objects.count()
    response = client.post(url, payload, format="json")
    if role == "anonymous":
        assert response.status_code == 401
    elif role in allowed:
        assert response.status_code == 201, response.content
        assert model.objects.count() == before + 1
        return
    elif role == "other_customer" and model is Case:
        assert response.status_code == 400  # ACME is not theirs: unknown to them
    else:
        assert response.status_code == 403, response.content
    assert model.objects.count() == before


UPDATES = [
    (
        "/api/v1/customers/ACME/",
        {"name": "改名"},
        "customer",
        "name",
        {"admin", "supervisor", "agent"},
    ),
    ("/api/v1/contracts/C-ACME/", {"notes": "续签"}, "contract", "notes", {"admin", "supervisor"}),
    (
        "/api/v1/assets/SN-ACME-1/",
        {"notes": "移机"},
        "asset",
        "notes",
        {"admin", "supervisor", "agent"},
    ),
    ("/api/v1/products/HX-S7700/", {"name": "改名"}, "product", "name", {"admin"}),
    (
        "/api/v1/cases/{case}/",
        {"summary": "改摘要"},
        "case",
        "summary",
        {"admin", "supervisor", "agent", "engineer"},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "payload", "key", "field", "allowed"), UPDATES)
def test_update(world, client_as, role, url, payload, key, field, allowed, customer):
    obj = world.get(key, customer)
    before = getattr(obj, field)
    url = url.format(case=world["case"].number)
    response = client_as(role).patch(url, payload, format="json")
    obj.refresh_from_db()
    if role == "anonymous":
        assert response.status_code == 401
    elif role in allowed:
        assert response.status_code == 200, response.content
        assert getattr(obj, field) == payload[field]
        return
    elif role == "other_customer" and key != "product":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
    assert getattr(obj, field) == before


@pytest.mark.parametrize("role", ROLES)
def test_transition_and_comment(world, client_as, role):
    case = world["case"]
    client = client_as(role)
    moved = client.post(
        f"/api/v1/cases/{case.number}/transition/", {"status": "responded"}, format="json"
    )
    commented = client.post(
        f"/api/v1/cases/{case.number}/comments/", {"body": "你好"}, format="json"
    )
    case.refresh_from_db()
    if role == "anonymous":
        assert (moved.status_code, commented.status_code) == (401, 401)
    elif role == "other_customer":
        assert (moved.status_code, commented.status_code) == (404, 404)
    elif role in {"admin", "supervisor", "agent", "engineer"}:
        assert (moved.status_code, commented.status_code) == (200, 201)
        assert case.status == "responded"
        return
    elif role == "customer":
        assert (moved.status_code, commented.status_code) == (403, 201)
    else:  # parts clerk, inspector: may comment, may not move cases
        assert (moved.status_code, commented.status_code) == (403, 201)
    assert case.status == "new"


@pytest.mark.parametrize("role", ROLES)
def test_user_management_is_for_administrators(world, client_as, role, customer):
    from aftersales.accounts.models import User

    client = client_as(role)
    before = User.objects.count()
    response = client.post("/api/v1/users/", {"username": "newbie", "role": "agent"}, format="json")
    if role == "admin":
        assert response.status_code == 201
        assert User.objects.count() == before + 1
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
        assert User.objects.count() == before
