"""The returns API: create, read, list and filter, one POST per step; who sees and does what."""

from __future__ import annotations

import pytest

from aftersales.returns.models import ReturnRequest


def test_customer_creates_a_return_for_their_own_unit(client_for, contact_user, unit):
    response = client_for(contact_user).post(
        "/api/v1/returns/",
        {"kind": "return", "reason": "quality", "asset": "RT-0001", "description": "坏点"},
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["case"].startswith("SR-")
    assert body["customer"] == "ACME"
    assert (body["step"], body["eligible"], body["eligibility_rule"]) == (
        "requested",
        True,
        "quality_window",
    )
    assert body["delivered_on"] == "2026-11-20"
    assert "override_reason" not in body
    assert response["Location"].endswith(f"/api/v1/returns/{body['case']}/")


def test_staff_create_needs_a_customer(client_for, agent, customer):
    from aftersales.catalog.tests.factories import ProductFactory

    ProductFactory(code="CAB-5")
    client = client_for(agent)
    response = client.post(
        "/api/v1/returns/",
        {"kind": "return", "reason": "quality", "order_reference": "SO-1", "product": "CAB-5"},
    )
    assert response.status_code == 400
    assert "customer" in response.json()
    response = client.post(
        "/api/v1/returns/",
        {
            "customer": "ACME",
            "kind": "return",
            "reason": "quality",
            "order_reference": "SO-1",
            "product": "CAB-5",
            "quantity": 2,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["eligible"], body["eligibility_rule"]) == (False, "no_delivery_date")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "refund", "reason": "quality", "asset": "RT-0001"}, "kind"),
        ({"kind": "return", "reason": "bored", "asset": "RT-0001"}, "reason"),
        ({"kind": "return", "reason": "quality", "asset": "NOPE"}, "asset"),
        (
            {"kind": "return", "reason": "quality", "asset": "RT-0001", "delivered_on": "2026-1-1"},
            "delivered_on",
        ),
        ({"kind": "return", "reason": "quality"}, "order_reference"),
    ],
)
def test_bad_input_is_a_400_and_creates_nothing(client_for, contact_user, unit, payload, field):
    response = client_for(contact_user).post("/api/v1/returns/", payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not ReturnRequest.objects.exists()


def test_customer_cannot_request_on_another_organisations_unit(
    client_for, other_contact_user, unit
):
    response = client_for(other_contact_user).post(
        "/api/v1/returns/", {"kind": "return", "reason": "quality", "asset": "RT-0001"}
    )
    assert response.status_code == 400
    assert not ReturnRequest.objects.exists()


def test_customers_see_only_their_own(client_for, make_return, contact_user, other_contact_user):
    rr = make_return()
    number = rr.case.number
    assert [
        r["case"] for r in client_for(contact_user).get("/api/v1/returns/").json()["results"]
    ] == [number]
    other = client_for(other_contact_user)
    assert other.get("/api/v1/returns/").json()["results"] == []
    assert other.get(f"/api/v1/returns/{number}/").status_code == 404
    assert other.post(f"/api/v1/returns/{number}/approve/", {}).status_code == 404


def test_list_filters_by_step_and_customer(client_for, make_return, supervisor, agent):
    first = make_return()
    second = make_return()
    client_for(supervisor).post(f"/api/v1/returns/{second.case.number}/approve/", {})
    client = client_for(agent)
    rows = client.get("/api/v1/returns/?step=approved").json()["results"]
    assert [r["case"] for r in rows] == [second.case.number]
    rows = client.get("/api/v1/returns/?step=requested&customer=ACME").json()["results"]
    assert [r["case"] for r in rows] == [first.case.number]
    assert client.get("/api/v1/returns/?customer=OTHER").json()["results"] == []


def test_every_step_through_the_api(client_for, make_return, supervisor, agent):
    number = make_return().case.number
    boss, clerk = client_for(supervisor), client_for(agent)
    url = f"/api/v1/returns/{number}"
    response = boss.post(f"{url}/approve/", {"note": "请寄回"})
    assert response.status_code == 200
    assert response.json()["rma_number"] == "RMA-20261125-0001"
    assert response.json()["case_status"] == "in_progress"
    assert clerk.post(f"{url}/receive/", {"received_on": "2026-11-25"}).status_code == 200
    assert clerk.post(f"{url}/inspect/", {"passed": True}).status_code == 200
    response = clerk.post(f"{url}/refund/", {"amount": "88.50"})
    assert response.status_code == 200
    body = response.json()
    assert (body["step"], body["refund_amount"], body["case_status"]) == (
        "refunded",
        "88.50",
        "resolved",
    )


def test_out_of_order_is_409_with_allowed_steps(client_for, make_return, agent):
    number = make_return().case.number
    response = client_for(agent).post(
        f"/api/v1/returns/{number}/receive/", {"received_on": "2026-11-25"}
    )
    assert response.status_code == 409
    assert response.json()["allowed"] == ["approved", "rejected"]
    assert ReturnRequest.objects.get().step == "requested"


def test_agents_and_customers_may_not_approve(client_for, make_return, agent, contact_user):
    number = make_return().case.number
    for user in (agent, contact_user):
        response = client_for(user).post(f"/api/v1/returns/{number}/approve/", {})
        assert response.status_code == 403
    assert ReturnRequest.objects.get().rma_number is None


def test_override_then_approve(client_for, make_return, supervisor):
    number = make_return(reason="no_longer_needed").case.number
    client = client_for(supervisor)
    assert client.post(f"/api/v1/returns/{number}/approve/", {}).status_code == 409
    response = client.post(f"/api/v1/returns/{number}/override/", {"eligible": True})
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/returns/{number}/override/", {"eligible": True, "reason": "战略客户"}
    )
    assert response.status_code == 200
    assert (response.json()["overridden"], response.json()["eligible"]) == (True, True)
    assert client.post(f"/api/v1/returns/{number}/approve/", {}).status_code == 200


def test_negative_refund_is_400(client_for, make_return, supervisor):
    rr = make_return()
    client = client_for(supervisor)
    url = f"/api/v1/returns/{rr.case.number}"
    client.post(f"{url}/approve/", {})
    client.post(f"{url}/receive/", {"received_on": "2026-11-25"})
    client.post(f"{url}/inspect/", {"passed": True})
    assert client.post(f"{url}/refund/", {"amount": "-5"}).status_code == 400
    assert client.post(f"{url}/refund/", {"amount": "5.555"}).status_code == 400
    rr.refresh_from_db()
    assert rr.step == "inspected"
