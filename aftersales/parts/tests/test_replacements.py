"""Advance replacement through the API: reserve, ship, deliver, return; 409 with suggestions;
customers see only their own; the overdue notice goes out once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from aftersales.cases.models import CaseEvent
from aftersales.notifications.models import NotificationEvent
from aftersales.parts import services
from aftersales.parts.models import Replacement, Stock
from aftersales.parts.selectors import ledger_mismatches, overdue_returns

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def qty(depot, part, condition):
    row = Stock.objects.filter(depot=depot, part=part, condition=condition).first()
    return row.quantity if row else 0


@pytest.fixture
def case(make_case):
    return make_case()


def test_full_replacement_loop(
    client_for, clerk, engineer, contact_user, case, depot, part, receive
):
    receive(depot, part, 2)
    api = client_for(engineer)
    r = api.post(
        "/api/v1/replacements/",
        {
            "case": case.number,
            "part_number": part.part_number,
            "depot": depot.code,
            "fault_confirmed_at": "2026-09-30T15:00:00+08:00",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    number = body["number"]
    assert body["status"] == "reserved"
    assert datetime.fromisoformat(body["ship_by"]) == datetime(2026, 10, 8, 12, tzinfo=SH)
    assert body["return_due"] is None
    assert (qty(depot, part, "good"), qty(depot, part, "reserved")) == (1, 1)

    # Only parts clerks ship.
    ship = {"shipped_at": "2026-10-08T10:00:00+08:00", "carrier": "顺丰", "tracking_number": "SF1"}
    assert api.post(f"/api/v1/replacements/{number}/ship/", ship, format="json").status_code == 403
    r = client_for(clerk).post(f"/api/v1/replacements/{number}/ship/", ship, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "shipped"
    assert qty(depot, part, "reserved") == 0
    assert NotificationEvent.objects.filter(kind="part_shipped", case=case).count() == 1

    r = api.post(
        f"/api/v1/replacements/{number}/deliver/",
        {"delivered_at": "2026-10-09T11:00:00+08:00"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert datetime.fromisoformat(r.json()["return_due"]) == datetime(2026, 10, 22, 17, tzinfo=SH)

    # The customer sees shipment and return-due, in the API and on the portal page.
    mine = client_for(contact_user).get(f"/api/v1/replacements/{number}/")
    assert mine.status_code == 200
    assert mine.json()["tracking_number"] == "SF1"

    r = client_for(clerk).post(
        f"/api/v1/replacements/{number}/return/",
        {"received_at": "2026-10-20T10:00:00+08:00"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "returned"
    assert qty(depot, part, "faulty") == 1
    assert ledger_mismatches() == []
    steps = list(
        CaseEvent.objects.filter(case=case, field="replacement")
        .order_by("id")
        .values_list("new_value", flat=True)
    )
    assert len(steps) == 4
    assert number in steps[0]
    assert "SF1" in steps[1]


def test_portal_panel_shows_shipment_and_return_due(
    client, contact_user, case, depot, part, receive, clerk
):
    receive(depot, part, 1)
    r = services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=depot,
        fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
    )
    r = services.replacement_ship(
        by=clerk,
        replacement=r,
        shipped_at=datetime(2026, 11, 2, 15, tzinfo=SH),
        carrier="顺丰",
        tracking_number="SF778899",
    )
    services.replacement_deliver(
        by=clerk, replacement=r, delivered_at=datetime(2026, 11, 3, 10, tzinfo=SH)
    )
    client.force_login(contact_user)
    page = client.get(f"/portal/cases/{case.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "SF778899" in html
    assert "2026-11-17 17:00" in html


def test_last_unit_gone_is_409_with_suggestions(
    client_for, clerk, engineer, case, depot, part, receive, region
):
    near = services.depot_create(by=clerk, code="HZ01", name="杭州备件库", region=region)
    far = services.depot_create(by=clerk, code="CD01", name="成都备件库")
    sub = services.part_create(by=clerk, part_number="PSU-800W", name="电源模块 800W")
    part.substitutes.add(sub)
    receive(far, part, 4)
    receive(near, part, 1)
    receive(depot, sub, 2)
    payload = {
        "case": case.number,
        "part_number": part.part_number,
        "depot": depot.code,
        "fault_confirmed_at": "2026-11-02T10:00:00+08:00",
    }
    r = client_for(engineer).post("/api/v1/replacements/", payload, format="json")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "out_of_stock"
    assert [d["depot"] for d in body["suggestions"]["other_depots"]] == ["HZ01", "CD01"]
    assert body["suggestions"]["substitutes"][0] == {
        "part_number": "PSU-800W",
        "name": "电源模块 800W",
        "at_depot": 2,
        "total": 2,
    }
    assert not Replacement.objects.exists()
    assert qty(depot, part, "reserved") == 0
    assert ledger_mismatches() == []


def test_bad_input_is_4xx_and_changes_nothing(
    client_for, engineer, contact_user, case, depot, part, receive
):
    receive(depot, part, 1)
    api = client_for(engineer)
    base = {"case": case.number, "part_number": part.part_number, "depot": depot.code}
    assert api.post("/api/v1/replacements/", base, format="json").status_code == 400
    bad = {**base, "fault_confirmed_at": "2026-11-02T10:00:00+08:00", "depot": "NOPE"}
    assert api.post("/api/v1/replacements/", bad, format="json").status_code == 400
    naive = {**base, "fault_confirmed_at": "not a time"}
    assert api.post("/api/v1/replacements/", naive, format="json").status_code == 400
    # A customer contact cannot order a replacement.
    ok = {**base, "fault_confirmed_at": "2026-11-02T10:00:00+08:00"}
    assert (
        client_for(contact_user).post("/api/v1/replacements/", ok, format="json").status_code == 403
    )
    assert not Replacement.objects.exists()
    assert qty(depot, part, "good") == 1


def test_customers_see_only_their_own_replacements(
    client_for, clerk, case, depot, part, receive, other_contact_user, contact_user
):
    receive(depot, part, 1)
    r = services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=depot,
        fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
    )
    other = client_for(other_contact_user)
    assert other.get(f"/api/v1/replacements/{r.number}/").status_code == 404
    assert other.get("/api/v1/replacements/").json() == []
    assert [x["number"] for x in client_for(contact_user).get("/api/v1/replacements/").json()] == [
        r.number
    ]
    assert other.get(f"/api/v1/depots/{depot.code}/stock/").status_code == 403


def test_overdue_returns_notified_once(clerk, case, depot, part, receive):
    receive(depot, part, 1)
    r = services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=depot,
        fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
    )
    r = services.replacement_ship(
        by=clerk,
        replacement=r,
        shipped_at=datetime(2026, 11, 2, 15, tzinfo=SH),
        carrier="EMS",
        tracking_number="E1",
    )
    r = services.replacement_deliver(
        by=clerk, replacement=r, delivered_at=datetime(2026, 11, 3, 10, tzinfo=SH)
    )
    before = datetime(2026, 11, 17, 16, 59, tzinfo=SH)
    after = datetime(2026, 11, 17, 17, 1, tzinfo=SH)
    assert services.returns_overdue_notify(now=before) == 0
    assert list(overdue_returns(now=after)) == [r]
    assert services.returns_overdue_notify(now=after) == 1
    assert services.returns_overdue_notify(now=after) == 0
    assert NotificationEvent.objects.filter(kind="part_return_overdue", case=case).count() == 1


def test_reminder_two_working_days_before_due_once(clerk, case, depot, part, receive):
    receive(depot, part, 1)
    r = services.replacement_create(
        by=clerk,
        case=case,
        part=part,
        depot=depot,
        fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
    )
    r = services.replacement_ship(
        by=clerk,
        replacement=r,
        shipped_at=datetime(2026, 11, 2, 15, tzinfo=SH),
        carrier="EMS",
        tracking_number="E1",
    )
    r = services.replacement_deliver(
        by=clerk, replacement=r, delivered_at=datetime(2026, 11, 3, 10, tzinfo=SH)
    )
    assert r.remind_at == datetime(2026, 11, 13, 17, tzinfo=SH)
    with translation.override("en"):
        assert services.returns_remind(now=datetime(2026, 11, 13, 16, tzinfo=SH)) == 0
        assert services.returns_remind(now=datetime(2026, 11, 13, 17, tzinfo=SH)) == 1
        assert services.returns_remind(now=datetime(2026, 11, 14, tzinfo=SH)) == 0
    reminder = CaseEvent.objects.filter(case=case, new_value__contains="reminder").get()
    assert reminder.is_public


def test_low_stock_mails_the_admins_once_on_the_crossing(
    clerk, case, depot, part, receive, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("Parts", "parts-admin@example.cn")]
    receive(depot, part, 3)
    services.minimum_set(by=clerk, depot=depot, part=part, minimum=2)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
            services.replacement_create(
                by=clerk,
                case=case,
                part=part,
                depot=depot,
                fault_confirmed_at=datetime(2026, 11, 2, 10, tzinfo=SH),
            )
    assert len(mailoutbox) == 1
    assert "PSU-650W" in mailoutbox[0].subject
    assert "1 left" in mailoutbox[0].subject
