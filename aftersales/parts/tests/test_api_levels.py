"""API of minimum levels, the low-stock list and replenishment requests: clerks write, other
staff read, customers are refused; bad input is a clear 4xx and changes nothing."""

from __future__ import annotations

import pytest

from aftersales.notifications.models import Notification
from aftersales.parts import services
from aftersales.parts.models import MinimumLevel, ReplenishmentRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(clerk, depot, part, receive):
    receive(depot, part, 3)
    return depot


def _post(client, url, data):
    return client.post(url, data, format="json")


def test_clerk_creates_reads_changes_and_deletes_a_minimum(client_for, clerk, stocked, part):
    api = client_for(clerk)
    r = _post(
        api,
        "/api/v1/minimum-levels/",
        {"depot": "SH01", "part_number": "PSU-650W", "minimum": 2},
    )
    assert r.status_code == 201, r.json()
    assert r.json() == {
        "depot": "SH01",
        "part_number": "PSU-650W",
        "part_name": "电源模块 650W",
        "minimum": 2,
        "good": 3,
        "below": False,
        "low_since": None,
    }
    again = _post(
        api,
        "/api/v1/minimum-levels/",
        {"depot": "SH01", "part_number": "PSU-650W", "minimum": 9},
    )
    assert again.status_code == 400
    assert "part_number" in again.json()
    assert MinimumLevel.objects.get().minimum == 2

    listing = api.get("/api/v1/minimum-levels/?depot=SH01").json()
    assert set(listing) == {"next", "previous", "results"}
    assert [x["part_number"] for x in listing["results"]] == ["PSU-650W"]
    assert api.get("/api/v1/low-stock/").json()["results"] == []

    url = "/api/v1/minimum-levels/SH01/PSU-650W/"
    assert api.get(url).json()["minimum"] == 2
    r = api.patch(url, {"minimum": 5}, format="json")
    assert r.status_code == 200
    assert r.json()["below"] is True
    assert r.json()["low_since"]
    assert Notification.objects.filter(kind="low_stock", recipient=clerk).count() == 1
    low = api.get("/api/v1/low-stock/").json()["results"]
    assert [(x["depot"], x["part_number"], x["good"], x["minimum"]) for x in low] == [
        ("SH01", "PSU-650W", 3, 5)
    ]
    assert api.delete(url).status_code == 204
    assert not MinimumLevel.objects.exists()
    assert api.get(url).status_code == 404
    assert api.get("/api/v1/low-stock/").json()["results"] == []


def test_minimum_levels_bad_input_is_400_and_changes_nothing(client_for, clerk, stocked, part):
    api = client_for(clerk)
    for body, field in (
        ({"depot": "SH01", "part_number": "PSU-650W", "minimum": -1}, "minimum"),
        ({"depot": "SH01", "part_number": "PSU-650W", "minimum": "many"}, "minimum"),
        ({"depot": "SH01", "part_number": "PSU-650W", "minimum": 10**12}, "minimum"),
        ({"depot": "SH01", "part_number": "PSU-650W"}, "minimum"),
        ({"depot": "NOPE", "part_number": "PSU-650W", "minimum": 1}, "depot"),
        ({"depot": "SH01", "part_number": "NOPE", "minimum": 1}, "part_number"),
    ):
        r = _post(api, "/api/v1/minimum-levels/", body)
        assert r.status_code == 400, body
        assert field in r.json(), (body, r.json())
    assert not MinimumLevel.objects.exists()
    services.minimum_set(by=clerk, depot=stocked, part=part, minimum=1)
    r = api.patch("/api/v1/minimum-levels/SH01/PSU-650W/", {"minimum": -3}, format="json")
    assert r.status_code == 400
    assert MinimumLevel.objects.get().minimum == 1
    assert api.get("/api/v1/minimum-levels/?depot=NOPE").status_code == 400
    assert api.get("/api/v1/minimum-levels/SH01/NOPE/").status_code == 404
    assert api.get("/api/v1/minimum-levels/?page_size=0").status_code == 400


def test_replenishment_request_lifecycle(client_for, clerk, stocked, part):
    api = client_for(clerk)
    r = _post(
        api,
        "/api/v1/replenishment-requests/",
        {"depot": "SH01", "part_number": "PSU-650W", "quantity": 10, "note": "季度备货"},
    )
    assert r.status_code == 201, r.json()
    req = r.json()
    assert req["status"] == "open"
    assert req["quantity"] == 10
    assert req["created_by"] == "parts_clerk"
    url = f"/api/v1/replenishment-requests/{req['id']}/"
    assert api.get(url).json()["note"] == "季度备货"

    skip = _post(api, url + "status/", {"status": "received"})
    assert skip.status_code == 409
    assert skip.json()["code"] == "invalid_transition"
    assert skip.json()["allowed"] == ["cancelled", "ordered"]
    assert _post(api, url + "status/", {"status": "ordered"}).json()["status"] == "ordered"
    assert _post(api, url + "status/", {"status": "received"}).json()["status"] == "received"
    done = _post(api, url + "status/", {"status": "cancelled"})
    assert done.status_code == 409
    assert done.json()["allowed"] == []
    assert ReplenishmentRequest.objects.get().status == "received"

    _post(
        api,
        "/api/v1/replenishment-requests/",
        {"depot": "SH01", "part_number": "PSU-650W", "quantity": 1},
    )
    page = api.get("/api/v1/replenishment-requests/?page_size=1").json()
    assert len(page["results"]) == 1
    assert page["results"][0]["status"] == "open"  # newest first
    assert page["next"]
    rest = api.get(page["next"]).json()
    assert [x["status"] for x in rest["results"]] == ["received"]
    opened = api.get("/api/v1/replenishment-requests/?status=open").json()["results"]
    assert [x["quantity"] for x in opened] == [1]
    assert api.get("/api/v1/replenishment-requests/?status=lost").status_code == 400


def test_replenishment_bad_input_is_4xx_and_changes_nothing(client_for, clerk, stocked, part):
    api = client_for(clerk)
    for body, field in (
        ({"depot": "SH01", "part_number": "PSU-650W", "quantity": 0}, "quantity"),
        ({"depot": "SH01", "part_number": "PSU-650W", "quantity": "x"}, "quantity"),
        ({"depot": "SH01", "part_number": "NOPE", "quantity": 1}, "part_number"),
        ({"depot": "NOPE", "part_number": "PSU-650W", "quantity": 1}, "depot"),
        ({"part_number": "PSU-650W", "quantity": 1}, "depot"),
    ):
        r = _post(api, "/api/v1/replenishment-requests/", body)
        assert r.status_code == 400, body
        assert field in r.json(), (body, r.json())
    assert not ReplenishmentRequest.objects.exists()
    req = services.replenishment_request(by=clerk, depot=stocked, part=part, quantity=2)
    url = f"/api/v1/replenishment-requests/{req.pk}/status/"
    assert _post(api, url, {"status": "lost"}).status_code == 400
    assert _post(api, url, {}).status_code == 400
    assert api.get("/api/v1/replenishment-requests/999999/").status_code == 404
    assert api.get("/api/v1/replenishment-requests/99999999999999999999999/").status_code == 404
    missing = "/api/v1/replenishment-requests/999999/status/"
    assert _post(api, missing, {"status": "ordered"}).status_code == 404
    req.refresh_from_db()
    assert req.status == "open"


@pytest.mark.parametrize("role", ["agent", "engineer", "supervisor", "inspector"])
def test_other_staff_read_but_do_not_write(client_for, make_user, clerk, stocked, part, role):
    services.minimum_set(by=clerk, depot=stocked, part=part, minimum=5)
    req = services.replenishment_request(by=clerk, depot=stocked, part=part, quantity=2)
    api = client_for(make_user(role))
    assert api.get("/api/v1/minimum-levels/").status_code == 200
    assert api.get("/api/v1/minimum-levels/SH01/PSU-650W/").status_code == 200
    assert len(api.get("/api/v1/low-stock/").json()["results"]) == 1
    assert api.get("/api/v1/replenishment-requests/").status_code == 200
    assert api.get(f"/api/v1/replenishment-requests/{req.pk}/").status_code == 200
    writes = [
        _post(
            api,
            "/api/v1/minimum-levels/",
            {"depot": "SH01", "part_number": "PSU-650W", "minimum": 1},
        ),
        api.patch("/api/v1/minimum-levels/SH01/PSU-650W/", {"minimum": 1}, format="json"),
        api.delete("/api/v1/minimum-levels/SH01/PSU-650W/"),
        _post(
            api,
            "/api/v1/replenishment-requests/",
            {"depot": "SH01", "part_number": "PSU-650W", "quantity": 1},
        ),
        _post(api, f"/api/v1/replenishment-requests/{req.pk}/status/", {"status": "ordered"}),
        # bad input from someone who may not write at all is refused first
        _post(api, "/api/v1/minimum-levels/", {"minimum": -1}),
    ]
    assert [w.status_code for w in writes] == [403] * len(writes)
    assert MinimumLevel.objects.get().minimum == 5
    assert ReplenishmentRequest.objects.count() == 1
    assert ReplenishmentRequest.objects.get().status == "open"


def test_customers_are_refused_and_anonymous_must_sign_in(
    client_for, api_client, contact_user, clerk, stocked, part
):
    services.minimum_set(by=clerk, depot=stocked, part=part, minimum=5)
    req = services.replenishment_request(by=clerk, depot=stocked, part=part, quantity=2)
    api = client_for(contact_user)
    for url in (
        "/api/v1/minimum-levels/",
        "/api/v1/minimum-levels/SH01/PSU-650W/",
        "/api/v1/low-stock/",
        "/api/v1/replenishment-requests/",
        f"/api/v1/replenishment-requests/{req.pk}/",
    ):
        assert api.get(url).status_code == 403, url
        assert api_client.get(url).status_code in (401, 403), url
    assert (
        _post(
            api,
            "/api/v1/replenishment-requests/",
            {"depot": "SH01", "part_number": "PSU-650W", "quantity": 1},
        ).status_code
        == 403
    )
    assert (
        api.patch(
            "/api/v1/minimum-levels/SH01/PSU-650W/", {"minimum": 0}, format="json"
        ).status_code
        == 403
    )
    assert MinimumLevel.objects.get().minimum == 5
    assert ReplenishmentRequest.objects.count() == 1
