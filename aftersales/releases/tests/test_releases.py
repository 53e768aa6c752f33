"""Upgrade notices reach exactly the customers entitled on the publishing day."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases.models import Case
from aftersales.catalog.models import WarrantyExtension
from aftersales.catalog.tests.factories import AssetFactory, ContractFactory, ProductFactory
from aftersales.customers.tests.factories import ContactFactory, CustomerFactory
from aftersales.releases.models import ReleaseNotice
from aftersales.sla.tests.helpers import at

D = dt.date
PUBLISH = at(2026, 11, 25, 10, 0)


@pytest.fixture
def world(region):
    product = ProductFactory(code="OS-1", name="存储系统")
    other_product = ProductFactory(code="OS-2", name="交换机")

    def customer_with(code, purchase, months, *, product=product, extension_to=None):
        customer = CustomerFactory(code=code, name=f"客户{code}", region=region)
        ContactFactory(customer=customer, name=f"{code}联系人", email=f"{code.lower()}@example.cn")
        ContactFactory(customer=customer, name=f"{code}无邮箱", email="")
        contract = ContractFactory(
            number=f"CT-{code}",
            customer=customer,
            software_upgrade_months=months,
            start_date=purchase,
            end_date=D(2030, 1, 1),
        )
        asset = AssetFactory(
            serial_number=f"SN-{code}",
            customer=customer,
            contract=contract,
            product=product,
            purchase_date=purchase,
        )
        if extension_to:
            WarrantyExtension.objects.create(
                asset=asset,
                kind="software",
                start=D(2026, 11, 1),
                end=extension_to,
                reason="续保",
                created_at=PUBLISH,
            )
        return customer

    return {
        # 36 months from 2023-11-25: the last entitled day is 2026-11-24 (not entitled today).
        "lapsed_yesterday": customer_with("LAPSED", D(2023, 11, 25), 36),
        # 36 months from 2023-11-26: today is the last entitled day.
        "last_day": customer_with("LASTDAY", D(2023, 11, 26), 36),
        "no_upgrades": customer_with("NOUPG", D(2026, 1, 1), 0),
        "extended": customer_with("EXT", D(2022, 1, 1), 36, extension_to=D(2027, 12, 31)),
        "other_product": customer_with("OTHER", D(2026, 1, 1), 36, product=other_product),
        "product": product,
    }


def test_publish_notifies_exactly_the_entitled_customers_once(
    world, client_for, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(supervisor)
    created = client.post(
        "/api/v1/releases/",
        {
            "product": "OS-1",
            "version": "V3.2.1",
            "severity": "security",
            "released_on": "2026-11-20",
            "notes_zh": "修复远程代码执行漏洞。",
            "notes_en": "Fixes a remote code execution flaw.",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    release_id = created.json()["id"]
    with time_machine.travel(PUBLISH, tick=False), django_capture_on_commit_callbacks(execute=True):
        published = client.post(
            f"/api/v1/releases/{release_id}/publish/", {"open_cases": True}, format="json"
        )
    assert published.status_code == 200, published.content
    told = sorted(n["customer"] for n in published.json())
    assert told == ["EXT", "LASTDAY"]
    assert sorted(m.to[0] for m in mailoutbox) == ["ext@example.cn", "lastday@example.cn"]
    assert "V3.2.1" in mailoutbox[0].subject
    assert "修复远程代码执行漏洞" in mailoutbox[0].body
    assert all(n.sent_at for n in ReleaseNotice.objects.all())
    upgrades = Case.objects.filter(case_type="upgrade")
    assert sorted(c.customer.code for c in upgrades) == ["EXT", "LASTDAY"]
    again = client.post(f"/api/v1/releases/{release_id}/publish/", {}, format="json")
    assert again.status_code == 409
    assert len(mailoutbox) == 2


def test_bad_releases_and_permissions(world, client_for, supervisor, agent, contact_user):
    payload = {
        "product": "OS-1",
        "version": "V1",
        "severity": "feature",
        "released_on": "2026-11-20",
        "notes_zh": "新功能",
    }
    assert client_for(agent).post("/api/v1/releases/", payload, format="json").status_code == 403
    client = client_for(supervisor)
    assert client.post("/api/v1/releases/", payload, format="json").status_code == 201
    duplicate = client.post("/api/v1/releases/", payload, format="json")
    assert duplicate.status_code == 400
    assert "version" in duplicate.json()
    blank = client.post(
        "/api/v1/releases/", {**payload, "version": "V2", "notes_zh": " "}, format="json"
    )
    assert blank.status_code == 400
    # Customers see only published releases of their own products.
    assert client_for(contact_user).get("/api/v1/releases/").json() == []


def test_portal_shows_available_upgrades_per_unit(world, client, supervisor, make_user):
    from aftersales.releases.services import release_create, release_publish

    contact = make_user("customer_contact", username="c_last", customer=world["last_day"])
    release = release_create(
        by=supervisor,
        product=world["product"],
        version="V4.0",
        severity="feature",
        released_on=D(2026, 11, 20),
        notes_zh="新增快照功能",
    )
    with time_machine.travel(PUBLISH, tick=False):
        release_publish(release=release, by=supervisor)
        client.force_login(contact)
        page = client.get("/releases/upgrades/").content.decode()
    assert 'data-asset="SN-LASTDAY"' in page
    assert 'data-release="V4.0"' in page
    assert "新增快照功能" in page
    with time_machine.travel(PUBLISH + dt.timedelta(days=1), tick=False):
        later = client.get("/releases/upgrades/").content.decode()
    assert 'data-release="V4.0"' not in later  # entitlement ended on Nov 25
