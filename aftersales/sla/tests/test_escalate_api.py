"""Manual escalation: staff may escalate any case, a customer only their own C-1 cases."""

from __future__ import annotations

import pytest

from aftersales.notifications.models import Notification
from aftersales.sla.models import Escalation


@pytest.fixture
def supervised(make_user, region):
    region.supervisor = make_user("supervisor", username="sup_east")
    region.save()
    return region.supervisor


def url(case):
    return f"/api/v1/cases/{case.number}/escalate/"


def test_customer_escalates_a_c1_case(client_for, contact_user, make_case, supervised):
    case = make_case(severity="C-1")
    response = client_for(contact_user).post(
        url(case), {"reason": "全院网络中断，请立即处理"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["manual"], body["actor"], body["recipients"]) == (
        1,
        True,
        "contact_acme",
        ["sup_east"],
    )
    assert Notification.objects.filter(recipient=supervised, kind="escalation").count() == 1
    event = case.events.get(kind="escalated")
    assert (event.is_public, event.note, event.actor) == (
        True,
        "全院网络中断，请立即处理",
        contact_user,
    )


@pytest.mark.parametrize("severity", ["C-2", "C-3"])
def test_customer_cannot_escalate_c2_or_c3(
    client_for, contact_user, make_case, supervised, severity
):
    case = make_case(severity=severity)
    response = client_for(contact_user).post(url(case), {"reason": "急"}, format="json")
    assert response.status_code == 403
    assert "C-1" in response.json()["detail"]
    assert Escalation.objects.count() == 0
    assert not case.events.filter(kind="escalated").exists()


def test_refusal_is_in_the_customers_language(
    client_for, make_user, customer, make_case, supervised
):
    english = make_user("customer_contact", customer=customer, username="en_contact", language="en")
    case = make_case(severity="C-2")
    response = client_for(english).post(url(case), {"reason": "urgent"}, format="json")
    assert response.json()["detail"].startswith("Customers may escalate only C-1 cases themselves")


def test_staff_escalate_any_case_and_levels_climb(
    client_for, agent, make_case, supervised, make_user
):
    director = make_user("supervisor", username="director", is_service_director=True)
    case = make_case(severity="C-3")
    client = client_for(agent)
    first = client.post(url(case), {"reason": "客户多次来电"}, format="json").json()
    second = client.post(url(case), {"reason": "仍未解决"}, format="json").json()
    assert (first["level"], second["level"]) == (1, 2)
    assert second["recipients"] == ["sup_east", "director"]
    assert Notification.objects.filter(recipient=director, kind="escalation").count() == 1
    internal = case.events.filter(kind="escalated", actor=agent)
    assert list(internal.values_list("is_public", flat=True)) == [False, False]


def test_other_customer_gets_404_and_nothing_changes(
    client_for, other_contact_user, make_case, supervised
):
    case = make_case(severity="C-1")
    assert (
        client_for(other_contact_user).post(url(case), {"reason": "x"}, format="json").status_code
        == 404
    )
    assert Escalation.objects.count() == 0


def test_reason_is_required(client_for, agent, make_case):
    case = make_case()
    response = client_for(agent).post(url(case), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_parts_clerk_cannot_escalate(client_for, make_user, make_case):
    case = make_case()
    response = client_for(make_user("parts_clerk")).post(url(case), {"reason": "x"}, format="json")
    assert response.status_code == 403
