from __future__ import annotations

import pytest

from aftersales.catalog.models import Asset, Contract
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory, ProductFactory


@pytest.fixture
def product(db):
    return ProductFactory(code="HX-S7700", name="HX-S7700 核心交换机")


def test_contract_and_asset_by_natural_keys(client_for, supervisor, product, customer):
    client = client_for(supervisor)
    contract = client.post(
        "/api/v1/contracts/",
        {
            "number": "C24-2026-001",
            "customer": "ACME",
            "service_level": "7x24",
            "hardware_warranty_months": 36,
            "warranty_start": "final_acceptance",
            "software_upgrade_months": 36,
            "start_date": "2026-01-01",
            "end_date": "2028-12-31",
        },
        format="json",
    )
    assert contract.status_code == 201, contract.content
    asset = client.post(
        "/api/v1/assets/",
        {
            "serial_number": "HX2601000001",
            "product": "HX-S7700",
            "customer": "ACME",
            "contract": "C24-2026-001",
            "purchase_date": "2026-01-10",
            "final_acceptance_date": "2026-03-01",
        },
        format="json",
    )
    assert asset.status_code == 201, asset.content
    body = client.get("/api/v1/assets/HX2601000001/").json()
    assert (body["product"], body["customer"], body["contract"]) == (
        "HX-S7700",
        "ACME",
        "C24-2026-001",
    )
    assert body["final_acceptance_date"] == "2026-03-01"
    assert client.get("/api/v1/contracts/C24-2026-001/").json()["service_level"] == "7x24"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"service_level": "9x9"}, "service_level"),
        ({"warranty_start": "birthday"}, "warranty_start"),
        ({"customer": "NOPE"}, "customer"),
        ({"start_date": "2026/01/01"}, "start_date"),
        ({"hardware_warranty_months": -1}, "hardware_warranty_months"),
        ({"hardware_warranty_months": 100000}, "hardware_warranty_months"),
    ],
)
def test_bad_contract_is_a_400(client_for, supervisor, customer, payload, field):
    data = {
        "number": "C-X",
        "customer": "ACME",
        "service_level": "5x8",
        "hardware_warranty_months": 12,
        "warranty_start": "purchase",
        "software_upgrade_months": 12,
        "start_date": "2026-01-01",
    }
    data.update(payload)
    response = client_for(supervisor).post("/api/v1/contracts/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Contract.objects.count() == 0


def test_contract_end_before_start_on_patch(client_for, supervisor, customer):
    ContractFactory(number="C-1", customer=customer, start_date="2026-01-01", end_date="2026-12-31")
    response = client_for(supervisor).patch(
        "/api/v1/contracts/C-1/", {"end_date": "2025-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "end_date" in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"serial_number": "DUP-1"}, "serial_number"),
        ({"product": "NOPE"}, "product"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"contract": "C-OTHER"}, "contract"),
        ({"final_acceptance_date": "2020-01-01"}, "final_acceptance_date"),
        ({"serial_number": "has space"}, "serial_number"),
    ],
)
def test_bad_asset_is_a_400(client_for, agent, product, customer, other_customer, payload, field):
    AssetFactory(serial_number="DUP-1", customer=customer, product=product)
    ContractFactory(number="C-OTHER", customer=other_customer)
    data = {
        "serial_number": "NEW-1",
        "product": "HX-S7700",
        "customer": "ACME",
        "purchase_date": "2026-01-01",
    }
    data.update(payload)
    before = Asset.objects.count()
    response = client_for(agent).post("/api/v1/assets/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Asset.objects.count() == before


def test_asset_search_and_filters(client_for, agent, product, customer, other_customer):
    AssetFactory(serial_number="HX2601000001", customer=customer, product=product)
    AssetFactory(
        serial_number="TS2601000002",
        customer=other_customer,
        product=ProductFactory(code="TS-R740", name="TS-R740 机架式服务器"),
    )
    client = client_for(agent)

    def serials(**params):
        return [a["serial_number"] for a in client.get("/api/v1/assets/", params).json()["results"]]

    assert serials(search="服务器") == ["TS2601000002"]
    assert serials(search="hx26") == ["HX2601000001"]
    assert serials(customer="OTHER") == ["TS2601000002"]
    assert serials(product="HX-S7700") == ["HX2601000001"]
    assert serials(has_contract="false") == ["HX2601000001", "TS2601000002"]


def test_customer_cannot_reference_another_customers_contract(
    client_for, make_user, customer, other_customer
):
    ContractFactory(number="C-OTHER", customer=other_customer)
    user = make_user("customer_contact", customer=customer, username="cc")
    assert client_for(user).get("/api/v1/contracts/C-OTHER/").status_code == 404
