from __future__ import annotations

from aftersales.customers.models import Contact, Customer, Region


def test_region_with_supervisor(client_for, admin_user, supervisor):
    response = client_for(admin_user).post(
        "/api/v1/regions/",
        {"code": "north", "name": "华北区", "supervisor": "supervisor"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["supervisor"] == "supervisor"
    assert Region.objects.get(code="north").supervisor == supervisor


def test_customer_crud_with_contacts_and_sites(client_for, agent, region):
    client = client_for(agent)
    created = client.post(
        "/api/v1/customers/",
        {"code": "GZ-METRO", "name": "广州地铁集团有限公司", "region": "east"},
        format="json",
    )
    assert created.status_code == 201
    assert (
        client.post(
            "/api/v1/contacts/",
            {"customer": "GZ-METRO", "name": "陈静", "mobile": "13912345678"},
            format="json",
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/sites/",
            {"customer": "GZ-METRO", "name": "调度中心", "region": "east"},
            format="json",
        ).status_code
        == 201
    )
    detail = client.get("/api/v1/customers/GZ-METRO/").json()
    assert detail["region"] == "east"
    assert [c["name"] for c in detail["contacts"]] == ["陈静"]
    assert [s["name"] for s in detail["sites"]] == ["调度中心"]
    patched = client.patch("/api/v1/customers/GZ-METRO/", {"phone": "020-88888888"}, format="json")
    assert patched.json()["phone"] == "020-88888888"


def test_customer_code_is_immutable_and_unique(client_for, agent, customer):
    client = client_for(agent)
    assert (
        client.patch("/api/v1/customers/ACME/", {"code": "NEW"}, format="json").status_code == 400
    )
    duplicate = client.post(
        "/api/v1/customers/", {"code": "ACME", "name": "x", "region": "east"}, format="json"
    )
    assert duplicate.status_code == 400
    assert "code" in duplicate.json()
    unknown_region = client.post(
        "/api/v1/customers/", {"code": "Z", "name": "x", "region": "nowhere"}, format="json"
    )
    assert unknown_region.status_code == 400
    assert "region" in unknown_region.json()
    assert Customer.objects.count() == 1


def test_customer_search_finds_chinese_and_contact_phone(
    client_for, agent, customer, other_customer
):
    Contact.objects.create(customer=other_customer, name="林平", mobile="13700001111")
    client = client_for(agent)

    def codes(term):
        return [
            c["code"] for c in client.get("/api/v1/customers/", {"search": term}).json()["results"]
        ]

    assert codes("人民") == ["ACME"]
    assert codes("地铁") == ["OTHER"]
    assert codes("13700001111") == ["OTHER"]


def test_contact_filter_by_phone(client_for, agent, customer):
    Contact.objects.create(
        customer=customer, name="王伟", phone="021-12345678", mobile="13800138000"
    )
    client = client_for(agent)
    results = client.get("/api/v1/contacts/", {"phone": "13800138000"}).json()["results"]
    assert [c["name"] for c in results] == ["王伟"]
    assert client.get("/api/v1/contacts/99999999999999999999999/").status_code == 404


def test_contact_customer_cannot_move(client_for, agent, customer, other_customer):
    contact = Contact.objects.create(customer=customer, name="王伟")
    response = client_for(agent).patch(
        f"/api/v1/contacts/{contact.pk}/", {"customer": "OTHER"}, format="json"
    )
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.customer == customer
