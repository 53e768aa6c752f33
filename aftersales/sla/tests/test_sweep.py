"""The sweep: warnings at 75 %, breaches at the due time, escalation ladders — each exactly once."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.cases.models import CaseEvent
from aftersales.cases.services import case_transition
from aftersales.notifications.models import Notification
from aftersales.sla.models import Escalation, SlaClockEvent
from aftersales.sla.services import sla_sweep
from aftersales.sla.tests.helpers import asset_with_contract, at, clocks, open_case

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
T0 = at(2026, 11, 2, 10, 0)  # Monday 10:00


@pytest.fixture
def people(make_user, region):
    supervisor = make_user("supervisor", username="sup_east")
    region.supervisor = supervisor
    region.save()
    director = make_user("supervisor", username="director", is_service_director=True)
    engineer = make_user("engineer", username="eng")
    return {"supervisor": supervisor, "director": director, "engineer": engineer}


@pytest.fixture
def c1_case(agent, customer, people):
    asset = asset_with_contract(customer)
    return open_case(agent, customer, T0, asset=asset, severity="C-1", assignee=people["engineer"])


def sweep(when):
    with time_machine.travel(when, tick=False):
        return sla_sweep()


def notified(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_nothing_fires_before_the_warning_point(c1_case):
    result = sweep(T0 + 89 * M)
    assert (result.clocks, result.warnings, result.breaches) == (0, 0, 0)


def test_warning_at_75_percent_once(c1_case, people):
    # response (2 h on 24x7) and confirm (2 h on 7x8 from 10:00) both reach 75 % at 11:30
    first = sweep(T0 + 90 * M)
    assert (first.warnings, first.breaches, first.escalations) == (2, 0, 0)
    again = sweep(T0 + 91 * M)
    assert (again.clocks, again.warnings) == (0, 0)
    assert notified(people["engineer"], "sla_warning") == 2
    notes = list(
        CaseEvent.objects.filter(case=c1_case, kind="sla", data__event="warning").values_list(
            "note", flat=True
        )
    )
    assert len(notes) == 2
    assert all("2026-11-02 12:00" in n for n in notes)


def test_breach_then_escalation_ladder(c1_case, people):
    sweep(T0 + 90 * M)
    breach = sweep(T0 + 2 * H)
    assert (breach.breaches, breach.escalations) == (2, 1)
    live = clocks(c1_case)
    assert (live["response"].state, live["confirm"].state) == ("breached", "breached")
    assert live["confirm"].breached_at == T0 + 2 * H
    level_one = Escalation.objects.get(case=c1_case, level=1)
    assert level_one.recipients == ["eng", "sup_east"]
    assert notified(people["supervisor"], "escalation") == 1
    assert notified(people["director"], "escalation") == 0
    # the second rung: 2 more working hours on 7x8 → 14:00
    assert sweep(T0 + 4 * H - M).escalations == 0
    second = sweep(T0 + 4 * H)
    assert second.escalations == 1
    assert Escalation.objects.get(case=c1_case, level=2).recipients == ["sup_east", "director"]
    assert notified(people["director"], "escalation") == 1
    timeline = list(
        CaseEvent.objects.filter(case=c1_case, kind="escalated").values_list(
            "data__level", flat=True
        )
    )
    assert timeline == [1, 2]
    # nothing more on the ladder: later sweeps add nothing
    later = sweep(T0 + 30 * H)
    assert later.escalations == 0
    assert Escalation.objects.filter(case=c1_case).count() == 2


def test_confirmed_in_time_means_no_escalation(c1_case, agent):
    with time_machine.travel(T0 + 100 * M, tick=False):
        case_transition(case=c1_case, to="responded", by=agent)
        case_transition(case=c1_case, to="dispatched", by=agent)
    result = sweep(T0 + 10 * H)
    assert result.escalations == 0
    assert Escalation.objects.count() == 0


def test_paused_clocks_do_not_fire(c1_case, agent):
    with time_machine.travel(T0 + 30 * M, tick=False):
        case_transition(case=c1_case, to="responded", by=agent)
        case_transition(case=c1_case, to="waiting_customer", by=agent)
    assert sweep(T0 + 20 * H).clocks == 0
    with time_machine.travel(T0 + 20 * H, tick=False):
        case_transition(case=c1_case, to="in_progress", by=agent)
    # restore had 47.5 h left at the pause; resumed at +20 h → due at +67.5 h
    assert clocks(c1_case)["restore"].due_at == T0 + 67 * H + 30 * M


def test_breach_notifications_reach_assignee_and_regional_supervisor(c1_case, people):
    sweep(T0 + 2 * H)
    assert notified(people["engineer"], "sla_breach") == 2
    assert notified(people["supervisor"], "sla_breach") == 2
    note = Notification.objects.filter(recipient=people["supervisor"], kind="sla_breach").first()
    assert c1_case.number in note.title


def test_notifications_are_written_in_the_recipients_language(c1_case, people):
    people["supervisor"].language = "en"
    people["supervisor"].save()
    sweep(T0 + 2 * H)
    titles = set(
        Notification.objects.filter(recipient=people["supervisor"], kind="sla_breach").values_list(
            "title", flat=True
        )
    )
    assert titles == {
        f"Case {c1_case.number} missed its response target",
        f"Case {c1_case.number} missed its cause confirmation target",
    }


def test_sweep_cost_does_not_depend_on_open_cases_that_are_not_due(agent, customer, people):
    asset = asset_with_contract(customer)
    first = open_case(agent, customer, T0, asset=asset, severity="C-3", case_type="consultation")
    with CaptureQueriesContext(connection) as lonely:
        assert sweep(T0 + 24 * H).breaches == 1
    for n in range(25):
        open_case(agent, customer, T0 + 24 * H + n * M, asset=asset, case_type="consultation")
    second = open_case(
        agent, customer, T0 + H, asset=asset, severity="C-3", case_type="consultation"
    )
    with CaptureQueriesContext(connection) as crowded:
        assert sweep(T0 + 25 * H).breaches == 1
    assert len(crowded.captured_queries) == len(lonely.captured_queries)
    assert first.pk != second.pk
    with CaptureQueriesContext(connection) as idle:
        assert sweep(T0 + 25 * H).clocks == 0
    statements = [q["sql"] for q in idle.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1  # one indexed look-up, however many cases are open


def test_a_case_reported_long_ago_breaches_without_a_stale_warning(agent, customer, people):
    asset = asset_with_contract(customer)
    case = open_case(agent, customer, T0, asset=asset, severity="C-1", assignee=people["engineer"])
    result = sweep(T0 + 3 * H)
    assert result.warnings == 0
    assert result.breaches == 2
    assert not SlaClockEvent.objects.filter(clock__case=case, kind="warning").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweepers_at_the_same_moment_record_everything_once(agent, customer, people):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED row locks are a PostgreSQL matter; SQLite serialises writers")
    asset = asset_with_contract(customer)
    cases = [
        open_case(
            agent, customer, T0 + n * M, asset=asset, severity="C-1", assignee=people["engineer"]
        )
        for n in range(12)
    ]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            with time_machine.travel(T0 + 5 * H, tick=False):
                results.append(sla_sweep(batch_size=5))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # every case: response + confirm breached; confirm escalated to levels 1 and 2
    assert sum(r.breaches for r in results) == 24
    assert sum(r.escalations for r in results) == 24
    assert Escalation.objects.count() == 24
    assert Escalation.objects.filter(level=2).count() == 12
    assert SlaClockEvent.objects.filter(kind="breached").count() == 24
    assert CaseEvent.objects.filter(kind="escalated").count() == 24
    assert notified(people["director"], "escalation") == 12
    assert {c.pk for c in cases} == set(Escalation.objects.values_list("case_id", flat=True))
