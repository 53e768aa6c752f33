"""Console pages for coverage: extending an asset's warranty, contracts due for renewal."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.catalog.models import WarrantyExtension
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory

D = dt.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_supervisor_extends_warranty_from_the_asset_page(client, supervisor, customer):
    contract = ContractFactory(customer=customer, hardware_warranty_months=12)
    AssetFactory(
        serial_number="PG-1", customer=customer, contract=contract, purchase_date=D(2026, 1, 15)
    )
    client.force_login(supervisor)
    page = client.get("/console/assets/PG-1/").content.decode()
    assert "/console/assets/PG-1/extend/" in page
    response = client.post(
        "/console/assets/PG-1/extend/",
        {
            "extend-kind": "hardware",
            "extend-end": "2028-01-14",
            "extend-reason": "两年延保服务包",
            "extend-reference": "SO-2026-88",
        },
    )
    assert response.status_code == 302
    row = WarrantyExtension.objects.get()
    assert (row.start, row.end, row.created_by) == (D(2027, 1, 15), D(2028, 1, 14), supervisor)
    page = client.get("/console/assets/PG-1/").content.decode()
    assert "两年延保服务包" in page
    assert "SO-2026-88" in page
    assert "2028" in page


def test_refused_extension_shows_the_reason_and_changes_nothing(client, supervisor, customer):
    AssetFactory(serial_number="PG-2", customer=customer, purchase_date=D(2026, 1, 15))
    client.force_login(supervisor)
    response = client.post(
        "/console/assets/PG-2/extend/",
        {"extend-kind": "hardware", "extend-end": "2026-06-01", "extend-reason": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert not WarrantyExtension.objects.exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("2027-01-14" in m for m in messages), messages


def test_agents_see_no_extend_form_and_cannot_post_one(client, agent, customer):
    AssetFactory(serial_number="PG-3", customer=customer, purchase_date=D(2026, 1, 15))
    client.force_login(agent)
    assert "/extend/" not in client.get("/console/assets/PG-3/").content.decode()
    client.post(
        "/console/assets/PG-3/extend/",
        {"extend-kind": "hardware", "extend-end": "2028-01-14", "extend-reason": "x"},
    )
    assert not WarrantyExtension.objects.exists()


def test_renewals_page_lists_expiring_contracts_and_uncovered_assets(client, agent, customer):
    ContractFactory(number="CT-SOON", customer=customer, end_date=D(2026, 12, 10))
    ContractFactory(number="CT-LATER", customer=customer, end_date=D(2027, 6, 30))
    AssetFactory(serial_number="BARE-1", customer=customer, contract=None)
    client.force_login(agent)
    page = client.get("/console/renewals/").content.decode()
    assert "CT-SOON" in page
    assert "CT-LATER" not in page
    assert "BARE-1" in page
    wide = client.get("/console/renewals/?within=365").content.decode()
    assert "CT-LATER" in wide
    # A bad window falls back to the default instead of failing.
    assert client.get("/console/renewals/?within=abc").status_code == 200


def test_customer_contacts_cannot_open_the_renewals_page(client, contact_user):
    client.force_login(contact_user)
    response = client.get("/console/renewals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal")


def test_supervisor_renews_a_contract_from_the_renewals_page(client, supervisor, customer):
    contract = ContractFactory(
        number="CT-RN", customer=customer, service_level="5x8", end_date=D(2026, 12, 10)
    )
    client.force_login(supervisor)
    page = client.get("/console/renewals/").content.decode()
    assert "/console/contracts/CT-RN/renew/" in page
    prefix = f"renew-{contract.pk}"
    refused = client.post(
        "/console/contracts/CT-RN/renew/",
        {f"{prefix}-end_date": "2026-12-01", f"{prefix}-reason": "续签"},
        follow=True,
    )
    assert any("2026-12-10" in str(m) for m in refused.context["messages"])
    client.post(
        "/console/contracts/CT-RN/renew/",
        {
            f"{prefix}-end_date": "2027-12-31",
            f"{prefix}-service_level": "7x24",
            f"{prefix}-reason": "续签一年并升级",
        },
    )
    contract.refresh_from_db()
    assert (contract.end_date, contract.service_level) == (D(2027, 12, 31), "7x24")
    renewal = contract.renewals.get()
    assert (renewal.previous_end_date, renewal.created_by) == (D(2026, 12, 10), supervisor)


def test_agents_cannot_renew(client, agent, customer):
    contract = ContractFactory(number="CT-AG", customer=customer, end_date=D(2026, 12, 10))
    client.force_login(agent)
    assert "/renew/" not in client.get("/console/renewals/").content.decode()
    prefix = f"renew-{contract.pk}"
    response = client.post(
        "/console/contracts/CT-AG/renew/",
        {f"{prefix}-end_date": "2027-12-31", f"{prefix}-reason": "x"},
        follow=True,
    )
    assert response.status_code == 200
    from aftersales.catalog.models import ContractRenewal

    assert not ContractRenewal.objects.exists()


def test_customer_file_and_asset_page_show_visits_and_parts_swapped(
    client, agent, engineer, customer, make_case
):
    from aftersales.dispatch.models import Visit, VisitPart

    asset = AssetFactory(serial_number="VIS-1", customer=customer, purchase_date=D(2026, 1, 15))
    case = make_case(asset=asset)
    visit = Visit.objects.create(
        case=case,
        engineer=engineer,
        planned_at=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
        status="done",
        work_performed="更换风扇模块",
        created_by=agent,
        created_at=dt.datetime(2026, 11, 19, 2, 0, tzinfo=dt.UTC),
    )
    VisitPart.objects.create(
        visit=visit, part="风扇模块", serial_out="FAN-OLD", serial_in="FAN-NEW"
    )
    client.force_login(agent)
    for url in (f"/console/customers/{customer.code}/", "/console/assets/VIS-1/"):
        page = client.get(url).content.decode()
        assert f'data-visit="{visit.pk}"' in page, url
        assert "更换风扇模块" in page
        assert "FAN-OLD" in page
        assert "FAN-NEW" in page


def test_navigation_links_to_my_exports_and_the_audit_trail_for_administrators(
    client, agent, admin_user
):
    client.force_login(agent)
    page = client.get("/console/").content.decode()
    assert 'href="/exports/"' in page
    assert 'href="/audit/"' not in page
    assert client.get("/exports/").status_code == 200
    client.force_login(admin_user)
    page = client.get("/console/").content.decode()
    assert 'href="/audit/"' in page
    assert client.get("/audit/").status_code == 200
