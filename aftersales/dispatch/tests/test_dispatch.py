"""Dispatch ranking with its reasons, dispatching, and visit steps feeding the on-site clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from aftersales.cases.models import Case, CaseEvent
from aftersales.catalog.tests.factories import ProductFactory
from aftersales.customers.tests.factories import RegionFactory
from aftersales.dispatch.models import Absence, Certification, EngineerProfile, Visit
from aftersales.dispatch.selectors import dispatch_candidates
from aftersales.sla.tests.helpers import asset_with_contract, at, clocks, open_case

MONDAY_10 = at(2026, 11, 2, 10, 0)


@pytest.fixture(autouse=True)
def _english():
    """The reasons are read in the reader's language; these tests read them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def field(make_user, customer):
    """Four engineers around the customer's region, and a network unit on a 7x24 contract."""
    home = customer.region
    other = RegionFactory(code="north", name="华北")
    far = RegionFactory(code="west", name="西部")
    product = ProductFactory(code="SW-1", name="核心交换机", category="network")
    asset = asset_with_contract(customer, serial="DSP-1")
    asset.product = product
    asset.save()

    def engineer(username, *, lines=(), home_region=None, served=(), capacity=4):
        user = make_user("engineer", username=username)
        profile = EngineerProfile.objects.create(
            user=user, product_lines=list(lines), home_region=home_region, capacity=capacity
        )
        profile.regions_served.set(served)
        return user

    people = {
        "local_expert": engineer("local_expert", lines=["network"], home_region=home),
        "served_expert": engineer(
            "served_expert", lines=["network"], home_region=other, served=[home]
        ),
        "local_novice": engineer("local_novice", lines=["printer"], home_region=home),
        "far_expert": engineer("far_expert", lines=["network"], home_region=far),
    }
    return {"asset": asset, "people": people, "regions": (home, other, far)}


def case_for(agent, customer, field, **kw):
    return open_case(agent, customer, MONDAY_10, asset=field["asset"], severity="C-1", **kw)


def test_ranking_orders_by_skill_distance_and_load_with_reasons(agent, customer, field):
    case = case_for(agent, customer, field)
    with time_machine.travel(MONDAY_10, tick=False):
        ranked = dispatch_candidates(case=case, now=MONDAY_10)
    assert [c.engineer.username for c in ranked] == [
        "local_expert",  # 40 skill + 30 home + 15 free
        "served_expert",  # 40 + 20 + 15
        "far_expert",  # 40 + 0 + 15
        "local_novice",  # 0 + 30 + 15
    ]
    best = ranked[0]
    assert best.score == 85
    assert best.reasons == ["services network", "home region", "0 of 4 open cases"]
    assert ranked[-1].skilled is False
    # In working time the ETA is now plus the travel time of the distance class.
    assert best.eta == MONDAY_10 + dt.timedelta(hours=2)
    assert ranked[1].eta == MONDAY_10 + dt.timedelta(hours=6)


def test_certification_counts_until_it_expires(agent, customer, field):
    novice = field["people"]["local_novice"].engineer_profile
    Certification.objects.create(
        profile=novice, name="HCIP-Datacom", product_line="network", expires_on=dt.date(2026, 11, 2)
    )
    case = case_for(agent, customer, field)
    ranked = {c.engineer.username: c for c in dispatch_candidates(case=case, now=MONDAY_10)}
    assert ranked["local_novice"].skilled is True
    assert any("HCIP-Datacom" in r for r in ranked["local_novice"].reasons)
    later = at(2026, 11, 3, 10, 0)
    ranked = {c.engineer.username: c for c in dispatch_candidates(case=case, now=later)}
    assert ranked["local_novice"].skilled is False


def test_load_absence_and_on_call_change_the_order(agent, customer, field, make_case):
    people = field["people"]
    for _ in range(4):  # the local expert is full
        make_case(assignee=people["local_expert"])
    Absence.objects.create(
        profile=people["served_expert"].engineer_profile,
        kind="leave",
        starts_at=at(2026, 11, 1, 0, 0),
        ends_at=at(2026, 11, 4, 0, 0),
    )
    case = case_for(agent, customer, field)
    ranked = dispatch_candidates(case=case, now=MONDAY_10)
    by_name = {c.engineer.username: c for c in ranked}
    assert by_name["local_expert"].score == 70  # no free capacity left
    assert "4 of 4 open cases" in by_name["local_expert"].reasons
    assert by_name["served_expert"].available is False
    assert by_name["served_expert"].eta is None
    assert any(r.startswith("away until 2026-11-04") for r in by_name["served_expert"].reasons)
    assert ranked[-1].engineer.username == "served_expert"


def test_after_hours_the_on_call_engineer_leaves_now(agent, customer, field):
    from aftersales.notifications.models import OnCallShift

    saturday_night = at(2026, 11, 7, 22, 0)
    far = field["people"]["far_expert"]
    OnCallShift.objects.create(
        user=far, starts_at=at(2026, 11, 7, 18, 0), ends_at=at(2026, 11, 8, 9, 0)
    )
    case = case_for(agent, customer, field)
    by_name = {c.engineer.username: c for c in dispatch_candidates(case=case, now=saturday_night)}
    assert by_name["far_expert"].on_call is True
    assert "on call now" in by_name["far_expert"].reasons
    assert by_name["far_expert"].eta == saturday_night + dt.timedelta(hours=24)
    # Off duty until Monday 09:00 (cn-5x8), then 2 hours on the road.
    assert by_name["local_expert"].eta == at(2026, 11, 9, 11, 0)


def test_dispatch_assigns_plans_and_the_arrival_meets_the_onsite_clock(
    client_for, agent, customer, field, contact_user
):
    case = case_for(agent, customer, field)
    client = client_for(agent)
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=20), tick=False):
        listed = client.get(f"/api/v1/cases/{case.number}/dispatch-candidates/").json()
        assert listed[0]["engineer"] == "local_expert"
        sent = client.post(
            f"/api/v1/cases/{case.number}/dispatch/", {"engineer": "local_expert"}, format="json"
        )
    assert sent.status_code == 201, sent.content
    visit = sent.json()
    assert visit["planned_at"] == "2026-11-02T12:20:00+08:00"
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.assignee.username) == ("dispatched", "local_expert")
    assert CaseEvent.objects.filter(case=case, kind="dispatch", is_public=True).exists()
    assert clocks(case)["confirm"].state == "met"
    # The customer is told once, with the engineer and the ETA.
    from aftersales.notifications.models import NotificationEvent

    told = NotificationEvent.objects.filter(case=case, kind="engineer_dispatched")
    assert [e.data["eta"] for e in told] == ["2026-11-02T04:20:00+00:00"]
    assert told.get().data["engineer_name"] == "local_expert"

    engineer = client_for(field["people"]["local_expert"])
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        assert engineer.post(f"/api/v1/visits/{visit['id']}/travel/").status_code == 200
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=3), tick=False):
        arrived = engineer.post(f"/api/v1/visits/{visit['id']}/arrive/")
    assert arrived.status_code == 200, arrived.content
    assert arrived.json()["minutes_travelling"] == 120
    onsite = clocks(case)["onsite"]
    assert (onsite.state, onsite.met_at) == ("met", MONDAY_10 + dt.timedelta(hours=3))
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=4, minutes=30), tick=False):
        done = engineer.post(
            f"/api/v1/visits/{visit['id']}/depart/",
            {
                "work_performed": "更换故障电源模块，端口恢复正常。",
                "parts": [
                    {"part": "电源模块", "serial_out": "PSU-OLD-1", "serial_in": "PSU-NEW-9"}
                ],
            },
            format="json",
        )
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["minutes_on_site"]) == ("done", 90)
    assert body["parts"] == [
        {"part": "电源模块", "serial_out": "PSU-OLD-1", "serial_in": "PSU-NEW-9"}
    ]
    # The customer sees the visits and the steps in the timeline.
    seen = client_for(contact_user).get(f"/api/v1/cases/{case.number}/visits/").json()
    assert [v["status"] for v in seen] == ["done"]
    steps = list(
        CaseEvent.objects.filter(case=case, kind="visit").values_list("data__step", flat=True)
    )
    assert steps == ["travel", "arrive", "depart"]


def test_steps_out_of_order_are_refused_and_change_nothing(client_for, agent, customer, field):
    case = case_for(agent, customer, field)
    with time_machine.travel(MONDAY_10, tick=False):
        visit = (
            client_for(agent)
            .post(
                f"/api/v1/cases/{case.number}/dispatch/",
                {"engineer": "local_expert"},
                format="json",
            )
            .json()
        )
        client = client_for(field["people"]["local_expert"])
        early = client.post(
            f"/api/v1/visits/{visit['id']}/depart/", {"work_performed": "x"}, format="json"
        )
        assert early.status_code == 409
        future = client.post(
            f"/api/v1/visits/{visit['id']}/arrive/",
            {"at": "2026-11-03T10:00:00+08:00"},
            format="json",
        )
        assert future.status_code == 400
        assert "at" in future.json()
        assert client.post(f"/api/v1/visits/{visit['id']}/arrive/").status_code == 200
        again = client.post(f"/api/v1/visits/{visit['id']}/travel/")
        assert again.status_code == 409
        blank = client.post(
            f"/api/v1/visits/{visit['id']}/depart/", {"work_performed": " "}, format="json"
        )
        assert blank.status_code == 400
    assert Visit.objects.get().status == "on_site"


def test_dispatch_refuses_the_unavailable_and_non_engineers(
    client_for, agent, supervisor, customer, field, contact_user
):
    case = case_for(agent, customer, field)
    people = field["people"]
    people["local_novice"].is_available = False
    people["local_novice"].save()
    client = client_for(agent)
    with time_machine.travel(MONDAY_10, tick=False):
        off = client.post(
            f"/api/v1/cases/{case.number}/dispatch/", {"engineer": "local_novice"}, format="json"
        )
        assert off.status_code == 400
        assert "engineer" in off.json()
        boss = client.post(
            f"/api/v1/cases/{case.number}/dispatch/",
            {"engineer": supervisor.username},
            format="json",
        )
        assert boss.status_code == 400
        customer_try = client_for(contact_user).post(
            f"/api/v1/cases/{case.number}/dispatch/", {"engineer": "local_expert"}, format="json"
        )
        assert customer_try.status_code == 403
        assert (
            client_for(contact_user)
            .get(f"/api/v1/cases/{case.number}/dispatch-candidates/")
            .status_code
            == 403
        )
    assert not Visit.objects.exists()
    assert Case.objects.get(pk=case.pk).assignee is None


def test_reassignment_is_in_the_timeline(client_for, agent, customer, field):
    case = case_for(agent, customer, field)
    client = client_for(agent)
    with time_machine.travel(MONDAY_10, tick=False):
        client.post(
            f"/api/v1/cases/{case.number}/dispatch/", {"engineer": "local_expert"}, format="json"
        )
        second = client.post(
            f"/api/v1/cases/{case.number}/dispatch/", {"engineer": "served_expert"}, format="json"
        )
    assert second.status_code == 201, second.content
    changes = list(
        CaseEvent.objects.filter(case=case, kind="field_changed", field="assignee").values_list(
            "old_value", "new_value"
        )
    )
    assert changes == [("", "local_expert"), ("local_expert", "served_expert")]
    assert Visit.objects.filter(case=case).count() == 2


def test_auto_dispatch_rule_sends_the_best_skilled_engineer_once(agent, customer, field, make_case):
    from aftersales.dispatch.models import DispatchRule
    from aftersales.dispatch.services import auto_dispatch

    DispatchRule.objects.create(case_type="fault", severity="C-1")
    covered = case_for(agent, customer, field)
    other_severity = open_case(
        agent, customer, MONDAY_10, asset=field["asset"], severity="C-3", summary="C-3"
    )
    later = MONDAY_10 + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert auto_dispatch(now=later) == 1
        assert auto_dispatch(now=later) == 0
    covered = Case.objects.get(pk=covered.pk)
    assert (covered.status, covered.assignee.username) == ("dispatched", "local_expert")
    assert Case.objects.get(pk=other_severity.pk).assignee is None
    note = CaseEvent.objects.get(case=covered, kind="dispatch").note
    assert "Auto-dispatch rule" in note


def test_auto_dispatch_leaves_a_case_nobody_skilled_can_take(agent, customer, field):
    from aftersales.dispatch.models import DispatchRule
    from aftersales.dispatch.services import auto_dispatch

    DispatchRule.objects.create(case_type="fault")
    for name in ("local_expert", "served_expert", "far_expert"):
        user = field["people"][name]
        user.is_available = False
        user.save()
    case = case_for(agent, customer, field)
    with time_machine.travel(MONDAY_10, tick=False):
        assert auto_dispatch(now=MONDAY_10) == 0
    assert Case.objects.get(pk=case.pk).assignee is None
    DispatchRule.objects.update(skilled_only=False)
    with time_machine.travel(MONDAY_10, tick=False):
        assert auto_dispatch(now=MONDAY_10) == 1
    assert Case.objects.get(pk=case.pk).assignee.username == "local_novice"
