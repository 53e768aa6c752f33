"""Errors the schemathesis run found, pinned down: each answered 500 or an undocumented shape."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.core.tests.api_fuzz import raw_schema
from aftersales.demo.data import demo_load

pytestmark = pytest.mark.django_db


def test_an_api_path_that_matches_no_route_answers_json_404(client_for: Any, agent: Any) -> None:
    api = client_for(agent)
    response = api.get("/api/v1/contacts/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_page_that_matches_no_route_still_answers_the_404_page(client: Any) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_absurd_time_zone_is_a_400_not_a_500(client_for: Any, admin_user: Any) -> None:
    api = client_for(admin_user)
    api.raise_request_exception = False
    response = api.post(
        "/api/v1/users/",
        {"username": "tz", "password": "a-long-pass-9", "role": "agent", "timezone": "é" * 300},
        format="json",
    )
    assert response.status_code == 400
    assert "timezone" in response.json()


def test_a_json_body_that_is_not_an_object_is_a_400(client_for: Any, admin_user: Any) -> None:
    api = client_for(admin_user)
    api.raise_request_exception = False
    for path in ("/api/v1/deliveries/", "/api/v1/disputes/1/decide/"):
        response = api.post(path, "null", content_type="application/json")
        assert response.status_code == 400, path


def test_every_operation_documents_its_error_answers() -> None:
    for path, item in raw_schema()["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404"} <= codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "415"} <= codes, (method, path)
            success = [c for c in codes if c.startswith("2")]
            assert success, (method, path)


def test_a_time_in_year_6_is_refused_not_stored(client_for: Any, admin_user: Any) -> None:
    """schemathesis sent a complaint reported in year 6; it was stored and rendered with the
    local-mean-time offset +08:05:43, which is no valid RFC 3339 time."""
    from aftersales.complaints.models import Complaint
    from aftersales.customers.tests.factories import CustomerFactory

    customer = CustomerFactory()
    api = client_for(admin_user)
    for when in ("0006-01-01T04:00:00Z", "2100-01-01T00:00:00Z", "1999-12-31T15:59:59Z"):
        response = api.post(
            "/api/v1/complaints/",
            {
                "customer": customer.code,
                "subject_kind": "person",
                "summary": "太久以前",
                "reported_at": when,
            },
            format="json",
        )
        assert response.status_code == 400, when
        assert "reported_at" in response.json()
    assert Complaint.objects.count() == 0
    ok = api.post(
        "/api/v1/complaints/",
        {
            "customer": customer.code,
            "subject_kind": "person",
            "summary": "刚才",
            "reported_at": "2026-11-01T08:00:00+08:00",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content


def test_read_only_fields_that_may_be_null_or_blank_are_described_so() -> None:
    schemas = raw_schema()["components"]["schemas"]
    # A nullable foreign key shown by its natural key.
    assert schemas["Case"]["properties"]["contract"]["nullable"] is True
    # A blank e-mail address: "" or an address.
    email = schemas["Me"]["properties"]["email"]
    assert {"type": "string", "maxLength": 0} in email["oneOf"]
    # A choice that may be blank (and is null for customer contacts until approved).
    kind = schemas["Complaint"]["properties"]["compensation_kind"]
    refs = {option["$ref"].rsplit("/", 1)[1] for option in kind["oneOf"]}
    assert {"CompensationKindEnum", "BlankEnum", "NullEnum"} <= refs
    # A required non-null field stays so.
    assert "nullable" not in schemas["Case"]["properties"]["number"]


def test_a_quote_whose_total_would_not_fit_is_a_400(client_for: Any, admin_user: Any) -> None:
    """schemathesis sent a quote line of 79,084,409 × 6,269,719: each value fits its column,
    their product did not fit the quote's total, and reading the quote back raised a 500."""
    from aftersales.cases.models import Case
    from aftersales.warranty.models import Quote

    demo_load(case_count=6)
    case = Case.objects.exclude(status__in=("resolved", "closed")).order_by("pk").first()
    api = client_for(admin_user)
    line = {"kind": "parts", "description": "主板", "quantity": "79084409", "unit_price": "6269719"}
    response = api.post(
        f"/api/v1/cases/{case.number}/quotes/", {"lines": [line], "valid_days": 30}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "lines" in response.json()
    assert not Quote.objects.filter(case=case).exists()
    line.update(quantity="2", unit_price="1500.00")
    ok = api.post(f"/api/v1/cases/{case.number}/quotes/", {"lines": [line]}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["total"] == "3000.00"
