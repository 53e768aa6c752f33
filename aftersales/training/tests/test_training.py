"""Training records: on the engineer's profile and used by dispatch as a skill."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.catalog.tests.factories import ProductFactory
from aftersales.dispatch.models import EngineerProfile
from aftersales.dispatch.selectors import dispatch_candidates
from aftersales.sla.tests.helpers import asset_with_contract, at, open_case
from aftersales.training.models import Course

NOW = at(2026, 11, 2, 10, 0)


@pytest.fixture
def course():
    return Course.objects.create(
        code="storage-basic",
        name="存储基础认证",
        audience="staff",
        product_line="storage",
        certificate_months=12,
    )


def test_passed_training_qualifies_until_the_certificate_expires(
    client_for, supervisor, make_user, agent, customer, course
):
    from django.utils import translation

    engineer = make_user("engineer", username="eng_t")
    EngineerProfile.objects.create(user=engineer, home_region=customer.region)
    recorded = client_for(supervisor).post(
        "/api/v1/training/staff/",
        {"user": "eng_t", "course": "storage-basic", "held_on": "2025-12-01", "result": "passed"},
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["certificate_expires_on"] == "2026-12-01"
    asset = asset_with_contract(customer, serial="TR-1")
    asset.product = ProductFactory(code="ST-1", name="存储", category="storage")
    asset.save()
    case = open_case(agent, customer, NOW, asset=asset)
    with translation.override("en"):
        now = {c.engineer.username: c for c in dispatch_candidates(case=case, now=NOW)}
        assert now["eng_t"].skilled is True
        assert "trained: 存储基础认证" in now["eng_t"].reasons
        later = at(2026, 12, 2, 10, 0)
        expired = {c.engineer.username: c for c in dispatch_candidates(case=case, now=later)}
        assert expired["eng_t"].skilled is False


def test_training_shows_on_the_engineer_profile_page(client, supervisor, agent, make_user, course):
    from aftersales.training.services import staff_training_record

    engineer = make_user("engineer", username="eng_p")
    row = staff_training_record(
        by=supervisor, user=engineer, course=course, held_on=dt.date(2026, 3, 1), result="passed"
    )
    client.force_login(agent)
    page = client.get("/field/engineers/eng_p/").content.decode()
    assert f'data-training="{row.pk}"' in page
    assert "存储基础认证" in page
    assert client.get("/field/engineers/nobody/").status_code == 404


def test_training_records_refuse_bad_input(client_for, supervisor, agent, contact_user, course):
    client = client_for(supervisor)
    bad_result = client.post(
        "/api/v1/training/staff/",
        {
            "user": agent.username,
            "course": "storage-basic",
            "held_on": "2026-01-01",
            "result": "great",
        },
        format="json",
    )
    assert bad_result.status_code == 400
    customer_user = client.post(
        "/api/v1/training/staff/",
        {
            "user": contact_user.username,
            "course": "storage-basic",
            "held_on": "2026-01-01",
            "result": "passed",
        },
        format="json",
    )
    assert customer_user.status_code == 400
    assert (
        client_for(agent)
        .post(
            "/api/v1/training/staff/",
            {
                "user": agent.username,
                "course": "storage-basic",
                "held_on": "2026-01-01",
                "result": "passed",
            },
            format="json",
        )
        .status_code
        == 403
    )


def test_customer_training_session_with_attendees(
    client_for, agent, contact_user, other_contact_user, customer
):
    Course.objects.create(code="ops", name="操作员培训", audience="customer")
    created = client_for(agent).post(
        "/api/v1/training/sessions/",
        {
            "course": "ops",
            "customer": customer.code,
            "held_on": "2026-11-10",
            "location": "客户机房",
            "attendees": [{"name": "张工", "title": "运维"}, {"name": "李工", "result": "passed"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["attendee_names"]) == sorted(["张工", "李工"])
    assert len(client_for(contact_user).get("/api/v1/training/sessions/").json()) == 1
    assert client_for(other_contact_user).get("/api/v1/training/sessions/").json() == []
    empty = client_for(agent).post(
        "/api/v1/training/sessions/",
        {"course": "ops", "customer": customer.code, "held_on": "2026-11-10", "attendees": []},
        format="json",
    )
    assert empty.status_code == 400
