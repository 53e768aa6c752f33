"""Entitlement at boundary dates, warranty extensions and renewals, contracts due for renewal."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from aftersales.catalog.choices import CoverageKind
from aftersales.catalog.entitlement import coverage, entitlement_at
from aftersales.catalog.models import ContractRenewal, WarrantyExtension
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory

D = dt.date


def _contract(**kw):
    fields = {
        "number": "C",
        "service_level": "7x24",
        "hardware_warranty_months": 12,
        "software_upgrade_months": 36,
        "warranty_start": "purchase",
        "start_date": None,
        "end_date": None,
    }
    fields.update(kw)
    return SimpleNamespace(**fields)


def _asset(contract=None, **kw):
    fields = {
        "serial_number": "SN",
        "contract": contract,
        "purchase_date": D(2024, 2, 29),
        "delivery_date": None,
        "installation_date": None,
        "final_acceptance_date": None,
        "pk": None,
    }
    fields.update(kw)
    return SimpleNamespace(**fields)


@pytest.mark.parametrize(
    ("purchase", "months", "at", "active", "end", "stage"),
    [
        # The last day of warranty is covered; the next day is not.
        (D(2025, 3, 10), 12, D(2026, 3, 9), True, D(2026, 3, 9), "in_warranty"),
        (D(2025, 3, 10), 12, D(2026, 3, 10), False, D(2026, 3, 9), "out_of_warranty"),
        # The purchase day itself is covered.
        (D(2025, 3, 10), 12, D(2025, 3, 10), True, D(2026, 3, 9), "in_warranty"),
        # Leap day: one year from 29 Feb runs to 27 Feb (28 Feb is the anniversary).
        (D(2024, 2, 29), 12, D(2025, 2, 27), True, D(2025, 2, 27), "in_warranty"),
        (D(2024, 2, 29), 12, D(2025, 2, 28), False, D(2025, 2, 27), "out_of_warranty"),
        # Four years from a leap day lands on the next leap day's eve.
        (D(2024, 2, 29), 48, D(2028, 2, 28), True, D(2028, 2, 28), "in_warranty"),
        (D(2024, 2, 29), 48, D(2028, 2, 29), False, D(2028, 2, 28), "out_of_warranty"),
        # Month ends clamp: 31 Jan + 1 month = 28 Feb, so the last covered day is 27 Feb.
        (D(2026, 1, 31), 1, D(2026, 2, 27), True, D(2026, 2, 27), "in_warranty"),
        (D(2026, 1, 31), 1, D(2026, 2, 28), False, D(2026, 2, 27), "out_of_warranty"),
    ],
)
def test_hardware_warranty_boundaries(purchase, months, at, active, end, stage):
    contract = _contract(hardware_warranty_months=months)
    ent = entitlement_at(_asset(contract, purchase_date=purchase), at)
    assert (ent.hardware_warranty.active, ent.hardware_warranty.end, ent.stage) == (
        active,
        end,
        stage,
    )


def test_final_acceptance_missing_means_warranty_not_started():
    contract = _contract(warranty_start="final_acceptance", hardware_warranty_months=36)
    asset = _asset(
        contract,
        purchase_date=D(2026, 1, 5),
        delivery_date=D(2026, 1, 20),
        installation_date=D(2026, 2, 10),
    )
    stages = [
        (D(2026, 1, 10), "supply_acceptance"),
        (D(2026, 1, 20), "installation"),
        (D(2026, 2, 10), "trial_operation"),
        (D(2029, 1, 1), "trial_operation"),
    ]
    for at, stage in stages:
        ent = entitlement_at(asset, at)
        assert ent.stage == stage, at
        assert ent.hardware_warranty.as_dict() == {"active": False, "start": None, "end": None}
    accepted = _asset(contract, purchase_date=D(2026, 1, 5), final_acceptance_date=D(2026, 3, 1))
    ent = entitlement_at(accepted, D(2029, 2, 28))
    assert ent.hardware_warranty.as_dict() == {
        "active": True,
        "start": "2026-03-01",
        "end": "2029-02-28",
    }
    assert entitlement_at(accepted, D(2029, 3, 1)).stage == "out_of_warranty"


def test_no_contract_one_year_from_purchase_and_no_upgrades():
    ent = entitlement_at(_asset(None, purchase_date=D(2026, 1, 15)), D(2027, 1, 14))
    assert ent.hardware_warranty.active
    assert ent.hardware_warranty.end == D(2027, 1, 14)
    assert not ent.software_upgrades.active
    assert ent.software_upgrades.start is None
    assert ent.service_level is None
    assert ent.contract is None


@pytest.mark.parametrize(
    ("at", "active", "start", "end"),
    [
        (D(2026, 1, 31), True, D(2025, 2, 1), D(2026, 1, 31)),
        # A gap between the warranty and a late renewal is not covered.
        (D(2026, 2, 1), False, D(2025, 2, 1), D(2026, 1, 31)),
        (D(2026, 2, 28), False, D(2025, 2, 1), D(2026, 1, 31)),
        (D(2026, 3, 1), True, D(2026, 3, 1), D(2027, 12, 31)),
        # Touching periods merge.
        (D(2027, 6, 1), True, D(2026, 3, 1), D(2027, 12, 31)),
        (D(2028, 1, 1), False, D(2026, 3, 1), D(2027, 12, 31)),
    ],
)
def test_coverage_merges_periods_and_keeps_gaps(at, active, start, end):
    periods = [
        (D(2025, 2, 1), D(2026, 1, 31)),
        (D(2026, 3, 1), D(2026, 12, 31)),
        (D(2027, 1, 1), D(2027, 12, 31)),
    ]
    assert coverage(periods, at).as_dict() == {
        "active": active,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def test_extension_rows_extend_entitlement(customer):
    contract = ContractFactory(customer=customer, hardware_warranty_months=12)
    asset = AssetFactory(customer=customer, contract=contract, purchase_date=D(2025, 1, 1))
    WarrantyExtension.objects.create(
        asset=asset,
        kind=CoverageKind.HARDWARE,
        start=D(2026, 1, 1),
        end=D(2027, 12, 31),
        reason="延保服务包",
        created_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
    )
    ent = entitlement_at(asset, D(2027, 12, 31))
    assert ent.hardware_warranty.as_dict() == {
        "active": True,
        "start": "2025-01-01",
        "end": "2027-12-31",
    }
    assert ent.stage == "in_warranty"
    # Software upgrades are a separate coverage: untouched.
    assert entitlement_at(asset, D(2027, 1, 1)).software_upgrades.end == D(2025, 12, 31)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_extend_api_continues_from_the_last_covered_day(frozen, client_for, supervisor, customer):
    contract = ContractFactory(customer=customer, hardware_warranty_months=12)
    AssetFactory(
        serial_number="EXT-1", customer=customer, contract=contract, purchase_date=D(2026, 1, 15)
    )
    client = client_for(supervisor)
    created = client.post(
        "/api/v1/assets/EXT-1/extensions/",
        {"kind": "hardware", "end": "2028-01-14", "reason": "购买两年延保", "reference": "SO-88"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["start"], body["end"], body["created_by"]) == (
        "2027-01-15",
        "2028-01-14",
        supervisor.username,
    )
    ent = client.get("/api/v1/assets/EXT-1/entitlement/?at=2028-01-14").json()
    assert ent["hardware_warranty"] == {"active": True, "start": "2026-01-15", "end": "2028-01-14"}
    assert client.get("/api/v1/assets/EXT-1/entitlement/?at=2028-01-15").json()["stage"] == (
        "out_of_warranty"
    )
    listed = client.get("/api/v1/assets/EXT-1/extensions/").json()
    assert [row["reason"] for row in listed] == ["购买两年延保"]


def test_extension_after_lapse_starts_today_and_leaves_the_gap(
    frozen, client_for, supervisor, customer
):
    AssetFactory(serial_number="EXT-2", customer=customer, purchase_date=D(2024, 6, 1))
    client = client_for(supervisor)
    created = client.post(
        "/api/v1/assets/EXT-2/extensions/",
        {"kind": "hardware", "end": "2027-11-24", "reason": "续保"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["start"] == "2026-11-25"
    gap = client.get("/api/v1/assets/EXT-2/entitlement/?at=2026-01-01").json()
    assert gap["hardware_warranty"]["active"] is False
    assert gap["stage"] == "out_of_warranty"
    now = client.get("/api/v1/assets/EXT-2/entitlement/").json()
    assert now["hardware_warranty"]["active"] is True
    assert now["stage"] == "in_warranty"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "hardware", "end": "2026-06-01", "reason": "缩短"}, "end"),
        ({"kind": "hardware", "end": "2028-01-01", "reason": "  "}, "reason"),
        ({"kind": "firmware", "end": "2028-01-01", "reason": "x"}, "kind"),
        ({"kind": "hardware", "end": "not a date", "reason": "x"}, "end"),
        ({"kind": "hardware", "start": "2028-02-01", "end": "2028-01-01", "reason": "x"}, "end"),
    ],
)
def test_bad_extension_is_refused_and_changes_nothing(
    frozen, client_for, supervisor, customer, payload, field
):
    AssetFactory(serial_number="EXT-3", customer=customer, purchase_date=D(2026, 1, 15))
    response = client_for(supervisor).post(
        "/api/v1/assets/EXT-3/extensions/", payload, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not WarrantyExtension.objects.exists()


def test_only_supervisors_extend_and_customers_see_only_their_own(
    frozen, client_for, agent, contact_user, other_contact_user, customer
):
    AssetFactory(serial_number="EXT-4", customer=customer, purchase_date=D(2026, 1, 15))
    payload = {"kind": "hardware", "end": "2028-01-14", "reason": "x"}
    for user in (agent, contact_user):
        response = client_for(user).post("/api/v1/assets/EXT-4/extensions/", payload, format="json")
        assert response.status_code == 403, (user.role, response.content)
    assert not WarrantyExtension.objects.exists()
    assert client_for(contact_user).get("/api/v1/assets/EXT-4/extensions/").status_code == 200
    assert client_for(other_contact_user).get("/api/v1/assets/EXT-4/extensions/").status_code == 404


def test_contract_renewal_records_terms_and_extends(frozen, client_for, supervisor, customer):
    ContractFactory(
        number="CT-REN", customer=customer, service_level="5x8", end_date=D(2026, 12, 31)
    )
    client = client_for(supervisor)
    refused = client.post(
        "/api/v1/contracts/CT-REN/renew/",
        {"end_date": "2026-12-01", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 400
    assert "end_date" in refused.json()
    renewed = client.post(
        "/api/v1/contracts/CT-REN/renew/",
        {"end_date": "2027-12-31", "service_level": "7x24", "reason": "客户续签并升级为7x24"},
        format="json",
    )
    assert renewed.status_code == 201, renewed.content
    contract = client.get("/api/v1/contracts/CT-REN/").json()
    assert (contract["end_date"], contract["service_level"]) == ("2027-12-31", "7x24")
    history = client.get("/api/v1/contracts/CT-REN/renewals/").json()
    assert [
        (r["previous_end_date"], r["previous_service_level"], r["created_by"]) for r in history
    ] == [("2026-12-31", "5x8", supervisor.username)]
    assert ContractRenewal.objects.count() == 1


def test_expiring_contracts_and_assets_without_contract(
    frozen, client_for, supervisor, contact_user, customer, other_customer
):
    ContractFactory(number="CT-SOON", customer=customer, end_date=D(2026, 12, 10))
    ContractFactory(number="CT-EDGE", customer=customer, end_date=D(2027, 1, 24))
    ContractFactory(number="CT-LATER", customer=customer, end_date=D(2027, 6, 30))
    ContractFactory(number="CT-GONE", customer=customer, end_date=D(2026, 11, 24))
    ContractFactory(number="CT-OTHER", customer=other_customer, end_date=D(2026, 12, 1))
    AssetFactory(serial_number="NOCT-1", customer=customer, contract=None)
    staff = client_for(supervisor).get("/api/v1/contracts/expiring/").json()
    assert staff["within_days"] == 60
    assert [c["number"] for c in staff["results"]] == ["CT-OTHER", "CT-SOON", "CT-EDGE"]
    short = client_for(supervisor).get("/api/v1/contracts/expiring/?within=20").json()
    assert [c["number"] for c in short["results"]] == ["CT-OTHER", "CT-SOON"]
    mine = client_for(contact_user).get("/api/v1/contracts/expiring/").json()
    assert [c["number"] for c in mine["results"]] == ["CT-SOON", "CT-EDGE"]
    assert client_for(supervisor).get("/api/v1/contracts/expiring/?within=-1").status_code == 400
    bare = client_for(supervisor).get("/api/v1/assets/?has_contract=false").json()["results"]
    assert [a["serial_number"] for a in bare] == ["NOCT-1"]
    assert bare[0]["has_contract"] is False
