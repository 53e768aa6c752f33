from __future__ import annotations

import pytest

from aftersales.cases.services import case_transition
from aftersales.surveys.models import Rating


@pytest.fixture
def resolved_case(make_case, agent):
    case = make_case()
    case = case_transition(case=case, to="responded", by=agent)
    return case_transition(case=case, to="resolved", by=agent, note="已修复")


def url(case):
    return f"/api/v1/cases/{case.number}/rating/"


def test_customer_rates_once(client_for, contact_user, agent, resolved_case):
    client = client_for(contact_user)
    response = client.post(
        url(resolved_case), {"score": 5, "comment": "工程师很专业"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["score"] == 5
    assert client.post(url(resolved_case), {"score": 1}, format="json").status_code == 409
    assert Rating.objects.get().score == 5
    assert client_for(agent).get(url(resolved_case)).json()["comment"] == "工程师很专业"
    event = resolved_case.events.get(kind="rated")
    assert (event.new_value, event.is_public) == ("5", True)


@pytest.mark.parametrize("score", [0, 6, "five"])
def test_bad_scores_are_400(client_for, contact_user, resolved_case, score):
    response = client_for(contact_user).post(url(resolved_case), {"score": score}, format="json")
    assert response.status_code == 400
    assert Rating.objects.count() == 0


def test_open_cases_cannot_be_rated(client_for, contact_user, make_case):
    response = client_for(contact_user).post(url(make_case()), {"score": 4}, format="json")
    assert response.status_code == 400
    assert Rating.objects.count() == 0


def test_staff_and_other_customers_cannot_rate(
    client_for, agent, other_contact_user, resolved_case
):
    assert (
        client_for(agent).post(url(resolved_case), {"score": 5}, format="json").status_code == 403
    )
    assert (
        client_for(other_contact_user)
        .post(url(resolved_case), {"score": 5}, format="json")
        .status_code
        == 404
    )
    assert client_for(other_contact_user).get(url(resolved_case)).status_code == 404
    assert Rating.objects.count() == 0
