"""Clocks through the case lifecycle: met, paused, resumed, breached, reopened, recomputed."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from aftersales.cases.services import (
    case_comment,
    case_record_arrival,
    case_sla_reapply,
    case_transition,
    case_update,
)
from aftersales.core.errors import ValidationFailed
from aftersales.sla.models import SlaClockEvent, SlaPause, SlaTarget
from aftersales.sla.tests.helpers import CST, asset_with_contract, at, clocks, open_case

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
T0 = at(2026, 11, 2, 10, 0)  # a Monday morning


@pytest.fixture
def premium_case(agent, customer):
    asset = asset_with_contract(customer)
    return open_case(agent, customer, T0, asset=asset, severity="C-1")


def move(case, to, by, when, note=""):
    with time_machine.travel(when, tick=False):
        return case_transition(case=case, to=to, by=by, note=note)


def test_response_met_by_move_to_responded(premium_case, agent):
    move(premium_case, "responded", agent, T0 + 30 * M)
    response = clocks(premium_case)["response"]
    assert (response.state, response.met_at, response.elapsed_seconds) == ("met", T0 + 30 * M, 1800)
    assert clocks(premium_case)["restore"].state == "running"


def test_response_met_by_first_public_reply_not_by_internal_note(premium_case, agent):
    with time_machine.travel(T0 + 10 * M, tick=False):
        case_comment(case=premium_case, by=agent, body="内部", public=False)
    assert clocks(premium_case)["response"].state == "running"
    with time_machine.travel(T0 + 20 * M, tick=False):
        case_comment(case=premium_case, by=agent, body="您好，已收到")
    assert clocks(premium_case)["response"].met_at == T0 + 20 * M


def test_confirm_met_by_dispatch(premium_case, agent):
    move(premium_case, "responded", agent, T0 + 10 * M)
    move(premium_case, "diagnosing", agent, T0 + 20 * M)
    move(premium_case, "dispatched", agent, T0 + 90 * M)
    confirm = clocks(premium_case)["confirm"]
    assert (confirm.state, confirm.elapsed_seconds) == ("met", 5400)


def test_confirm_met_by_recording_the_cause(premium_case, agent):
    with time_machine.travel(T0 + 45 * M, tick=False):
        case = case_update(case=premium_case, by=agent, changes={"cause": "光模块老化"})
    assert case.cause_confirmed_at == T0 + 45 * M
    assert clocks(case)["confirm"].met_at == T0 + 45 * M


def test_onsite_met_by_arrival_and_arrival_is_validated(premium_case, agent):
    with time_machine.travel(T0 + 5 * H, tick=False):
        with pytest.raises(ValidationFailed):
            case_record_arrival(case=premium_case, by=agent, arrived_at=T0 + 6 * H)
        with pytest.raises(ValidationFailed):
            case_record_arrival(case=premium_case, by=agent, arrived_at=T0 - H)
        case_record_arrival(case=premium_case, by=agent, arrived_at=T0 + 4 * H)
    onsite = clocks(premium_case)["onsite"]
    assert (onsite.state, onsite.met_at, onsite.elapsed_seconds) == ("met", T0 + 4 * H, 4 * 3600)


def test_waiting_for_customer_pauses_and_moves_the_due_time_out(premium_case, agent):
    restore_due = clocks(premium_case)["restore"].due_at
    move(premium_case, "responded", agent, T0 + H)
    move(premium_case, "waiting_customer", agent, T0 + 2 * H)
    paused = clocks(premium_case)["restore"]
    assert (paused.state, paused.is_paused, paused.next_event_at) == ("paused", True, None)
    assert paused.elapsed_seconds == 2 * 3600
    move(premium_case, "in_progress", agent, T0 + 5 * H)
    resumed = clocks(premium_case)["restore"]
    # 24x7: the due time moves out by exactly the three paused hours
    assert resumed.due_at == restore_due + 3 * H
    assert resumed.state == "running"
    kinds = list(resumed.events.values_list("kind", flat=True))
    assert kinds == ["started", "paused", "resumed"]
    assert SlaPause.objects.get(case=premium_case).status == "waiting_customer"


def test_pause_on_a_working_hours_calendar_moves_out_by_working_time(agent, customer):
    # given a C-2 fault on a 5x8 contract: confirm 8 h on 7x8 from Monday 16:00
    asset = asset_with_contract(customer, level="5x8", serial="SN-58")
    case = open_case(agent, customer, at(2026, 11, 2, 16, 0), asset=asset, severity="C-2")
    assert clocks(case)["confirm"].due_at == at(2026, 11, 3, 16, 0)
    # when it waits for the customer from 16:30 Monday to 10:00 Tuesday (1.5 working hours)
    move(case, "responded", agent, at(2026, 11, 2, 16, 10))
    move(case, "waiting_customer", agent, at(2026, 11, 2, 16, 30))
    move(case, "diagnosing", agent, at(2026, 11, 3, 10, 0))
    # then confirm is due 1.5 working hours later than before
    # 30 min used, 7.5 h left from Tuesday 10:00: 7 h on Tuesday, 30 min on Wednesday
    assert clocks(case)["confirm"].due_at == at(2026, 11, 4, 9, 30)


def test_resolving_exactly_at_the_due_time_is_met_one_second_late_is_breached(agent, customer):
    asset = asset_with_contract(customer, level="5x8", serial="SN-ON-TIME")
    on_time = open_case(agent, customer, T0, asset=asset, case_type="consultation")
    late = open_case(agent, customer, T0, asset=asset, case_type="consultation")
    due = clocks(on_time)["response"].due_at
    move(on_time, "responded", agent, due)
    move(late, "responded", agent, due + datetime.timedelta(seconds=1))
    assert clocks(on_time)["response"].state == "met"
    assert clocks(late)["response"].state == "breached"
    assert clocks(late)["response"].met_at == due + datetime.timedelta(seconds=1)


def test_resolution_meets_restore_cancels_onsite_and_starts_follow_up(
    premium_case, agent, contact_user
):
    move(premium_case, "responded", agent, T0 + 10 * M)
    move(premium_case, "resolved", agent, T0 + 3 * H, note="远程修复")
    live = clocks(premium_case)
    assert live["restore"].state == "met"
    # the cause counts as confirmed at the resolution, an hour after its 2 h limit
    assert (live["confirm"].met_at, live["confirm"].state) == (T0 + 3 * H, "breached")
    assert "onsite" not in live
    follow_up = live["follow_up"]
    assert (follow_up.started_at, follow_up.due_at) == (T0 + 3 * H, T0 + 75 * H)
    move(premium_case, "closed", contact_user, T0 + 20 * H)
    assert clocks(premium_case)["follow_up"].state == "met"


def test_reopen_resumes_restore_without_counting_the_resolved_time(
    premium_case, agent, contact_user
):
    move(premium_case, "responded", agent, T0 + 10 * M)
    move(premium_case, "resolved", agent, T0 + 10 * H, note="更换电源")
    move(premium_case, "in_progress", contact_user, T0 + 30 * H, note="又坏了")
    restore = clocks(premium_case)["restore"]
    assert (restore.state, restore.met_at) == ("running", None)
    # 10 h used before the resolution, 20 h resolved don't count: 38 h left from the reopening
    assert restore.due_at == T0 + 30 * H + 38 * H
    assert "follow_up" not in clocks(premium_case)
    assert list(restore.events.values_list("kind", flat=True)) == ["started", "met", "reopened"]


def test_severity_change_recomputes_and_is_in_the_timeline(agent, customer):
    asset = asset_with_contract(customer, level="5x8", serial="SN-SEV")
    case = open_case(agent, customer, T0, asset=asset, severity="C-3")
    assert clocks(case)["confirm"].duration_seconds == 24 * 3600
    with time_machine.travel(T0 + 30 * M, tick=False):
        case = case_update(case=case, by=agent, changes={"severity": "C-1"})
    confirm = clocks(case)["confirm"]
    assert (confirm.duration_seconds, confirm.due_at) == (7200, at(2026, 11, 2, 12, 0))
    assert confirm.events.last().kind == "recomputed"
    event = case.events.filter(kind="sla").last()
    assert "severity: C-3 → C-1" in event.note


def test_contract_change_adds_the_7x24_promises(agent, customer):
    case = open_case(agent, customer, T0, severity="C-2")
    assert set(clocks(case)) == {"response", "confirm"}
    asset = asset_with_contract(customer, serial="SN-NEW-7X24")
    with time_machine.travel(T0 + H, tick=False):
        case = case_update(case=case, by=agent, changes={"asset": asset})
    live = clocks(case)
    assert set(live) == {"response", "confirm", "onsite", "restore"}
    assert live["response"].due_at == T0 + 2 * H  # recomputed from the report time: 2 h, not 24 h
    assert live["restore"].started_at == T0
    assert case.contract == asset.contract


def test_policy_edits_do_not_rewrite_running_clocks_until_reapplied(premium_case, agent):
    # an administrator shortens the restore target (as the admin saves it)
    target = SlaTarget.objects.get(policy__code="fault-7x24", target="restore")
    target.minutes = 24 * 60
    target.save()
    assert clocks(premium_case)["restore"].duration_seconds == 48 * 3600
    with time_machine.travel(T0 + H, tick=False):
        assert case_sla_reapply(case=premium_case, by=agent) is True
    restore = clocks(premium_case)["restore"]
    assert (restore.duration_seconds, restore.due_at) == (24 * 3600, T0 + 24 * H)
    assert SlaClockEvent.objects.filter(clock=restore, kind="recomputed").count() == 1
    with time_machine.travel(T0 + 2 * H, tick=False):
        assert case_sla_reapply(case=premium_case, by=agent) is False


def test_api_shows_clocks_with_time_left(client_for, agent, premium_case):
    with time_machine.travel(T0 + 30 * M, tick=False):
        body = client_for(agent).get(f"/api/v1/cases/{premium_case.number}/").json()
    by_target = {c["target"]: c for c in body["sla"]}
    assert [c["target"] for c in body["sla"]] == ["response", "onsite", "confirm", "restore"]
    assert by_target["response"] == {
        **by_target["response"],
        "due_at": "2026-11-02T12:00:00+08:00",
        "state": "running",
        "calendar": "24x7",
        "met_at": None,
        "remaining_seconds": 5400,
    }
    assert by_target["confirm"]["calendar"] == "7x8"
    assert body["sla_policy"]["code"] == "fault-7x24"
    with time_machine.travel(T0 + 3 * H, tick=False):
        late = client_for(agent).get(f"/api/v1/cases/{premium_case.number}/").json()
    assert {c["target"]: c["remaining_seconds"] for c in late["sla"]}["response"] == -3600


def test_sla_history_endpoint(client_for, agent, contact_user, premium_case):
    move(premium_case, "responded", agent, T0 + 10 * M)
    body = client_for(agent).get(f"/api/v1/cases/{premium_case.number}/sla/").json()
    response = next(c for c in body["clocks"] if c["target"] == "response")
    assert [h["kind"] for h in response["history"]] == ["started", "met"]
    assert body["policy"]["facts"]["service_level"] == "7x24"
    customer_view = client_for(contact_user).get(f"/api/v1/cases/{premium_case.number}/sla/").json()
    assert "facts" not in customer_view["policy"]
    assert customer_view["escalations"] == []


def test_times_are_shown_with_the_shanghai_offset(premium_case):
    assert (
        clocks(premium_case)["response"].due_at.astimezone(CST).isoformat()
        == "2026-11-02T12:00:00+08:00"
    )


def test_configuration_cache_sees_changes_made_through_services_and_the_admin(
    agent, customer, admin_user
):
    from aftersales.sla.configuration import policy_update
    from aftersales.sla.models import SlaPolicy

    asset = asset_with_contract(customer)
    first = open_case(agent, customer, T0, asset=asset, severity="C-1")
    assert clocks(first)["response"].duration_seconds == 7200
    policy = SlaPolicy.objects.get(code="fault-7x24")
    targets = [
        {
            "target": t.target,
            "severity": t.severity,
            "minutes": 30 if t.target == "response" else t.minutes,
            "calendar": t.calendar,
            "warning_percent": t.warning_percent,
        }
        for t in policy.targets.all()
    ]
    policy_update(by=admin_user, policy=policy, data={"targets": targets})
    second = open_case(agent, customer, T0, asset=asset, severity="C-1")
    assert clocks(second)["response"].duration_seconds == 1800
    policy.is_active = False
    policy.save()
    third = open_case(agent, customer, T0, asset=asset, severity="C-1")
    assert third.sla_policy.code == "fault"


def test_case_carries_its_nearest_due_time_and_state(premium_case, agent, contact_user):
    from aftersales.cases.models import Case
    from aftersales.sla.services import sla_sweep

    def summary():
        case = Case.objects.get(pk=premium_case.pk)
        return case.sla_due_at, case.sla_state

    # response (2 h) is the nearest of response, on site, confirm and restore
    assert summary() == (T0 + 2 * H, "running")
    with time_machine.travel(T0 + 90 * M, tick=False):
        sla_sweep()
    assert summary() == (T0 + 2 * H, "warning")
    move(premium_case, "responded", agent, T0 + 100 * M)
    # response met: confirm (2 working hours on 7x8, also 12:00) is next, warned too
    assert summary() == (T0 + 2 * H, "warning")
    move(premium_case, "waiting_customer", agent, T0 + 110 * M)
    assert summary() == (None, "paused")
    move(premium_case, "in_progress", agent, T0 + 5 * H)
    # confirm had 10 working minutes left when the wait began at 11:50; resumed at 15:00
    assert summary() == (T0 + 5 * H + 10 * M, "warning")
    with time_machine.travel(T0 + 5 * H + 10 * M, tick=False):
        sla_sweep()
    assert summary() == (T0 + 5 * H + 10 * M, "breached")
    move(premium_case, "resolved", agent, T0 + 6 * H, note="已修复")
    assert summary()[1] == "running"  # only the follow-up clock runs now
    move(premium_case, "closed", contact_user, T0 + 7 * H)
    assert summary() == (None, "none")
