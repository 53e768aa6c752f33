"""Satisfaction surveys: one per resolved case, reminders, expiry, low-score follow-ups,
campaigns, and the visit questionnaire."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases.services import case_transition
from aftersales.customers.tests.factories import ContactFactory
from aftersales.sla.tests.helpers import at
from aftersales.surveys.models import FollowUp, Rating, Survey
from aftersales.surveys.services import (
    surveys_invite_resolved,
    surveys_remind_and_expire,
)

RESOLVED = at(2026, 11, 2, 16, 0)


@pytest.fixture
def resolved_case(agent, customer, make_case):
    contact = ContactFactory(customer=customer, name="王主任", email="wang@example.cn")
    case = make_case(contact=contact)
    with time_machine.travel(RESOLVED, tick=False):
        case = case_transition(case=case, to="responded", by=agent)
        case = case_transition(case=case, to="resolved", by=agent, note="已更换电源模块")
    return case


def test_one_survey_per_resolved_case_with_reminder_and_expiry(
    resolved_case, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5)) == 1
        assert surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=10)) == 0
    survey = Survey.objects.get(case=resolved_case)
    assert [m.to for m in mailoutbox] == [["wang@example.cn"]]
    assert f"/surveys/{survey.token}/" in mailoutbox[0].body
    assert resolved_case.number in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_remind_and_expire(now=survey.sent_at + dt.timedelta(days=1)) == (0, 0)
        assert surveys_remind_and_expire(now=survey.sent_at + dt.timedelta(days=2)) == (1, 0)
        assert surveys_remind_and_expire(now=survey.sent_at + dt.timedelta(days=3)) == (0, 0)
    assert len(mailoutbox) == 2
    assert surveys_remind_and_expire(now=survey.sent_at + dt.timedelta(days=7)) == (0, 1)
    survey.refresh_from_db()
    assert survey.status == "expired"


def test_answering_through_the_link_rates_the_case(client, resolved_case):
    surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5))
    survey = Survey.objects.get()
    page = client.get(f"/surveys/{survey.token}/")
    assert page.status_code == 200
    assert 'id="survey-form"' in page.content.decode()
    missing = client.post(f"/surveys/{survey.token}/", {"overall": "5"})
    assert 'id="survey-form"' in missing.content.decode()
    assert Survey.objects.get().status == "invited"
    done = client.post(
        f"/surveys/{survey.token}/",
        {"overall": "4", "response_speed": "5", "attitude": "4", "skill": "4", "comment": "很好"},
    )
    assert 'id="survey-thanks"' in done.content.decode()
    survey.refresh_from_db()
    assert (survey.status, survey.overall) == ("answered", 4)
    assert Rating.objects.get(case=resolved_case).score == 4
    again = client.get(f"/surveys/{survey.token}/").content.decode()
    assert 'id="survey-closed"' in again
    assert client.get("/surveys/not-a-token/").status_code == 404
    assert not FollowUp.objects.exists()


def test_low_score_opens_a_follow_up_with_logged_calls(
    client, client_for, resolved_case, supervisor, agent, customer
):
    customer.region.supervisor = supervisor
    customer.region.save()
    surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5))
    survey = Survey.objects.get()
    client.post(
        f"/surveys/{survey.token}/",
        {"overall": "1", "response_speed": "2", "attitude": "3", "skill": "2", "comment": "太慢"},
    )
    follow_up = FollowUp.objects.get()
    assert follow_up.assigned_to == supervisor
    listed = client_for(supervisor).get("/api/v1/surveys/follow-ups/").json()
    assert [f["case"] for f in listed] == [resolved_case.number]
    blank = client_for(supervisor).post(
        f"/api/v1/surveys/follow-ups/{follow_up.pk}/calls/", {"notes": " "}, format="json"
    )
    assert blank.status_code == 400
    closed = client_for(supervisor).post(
        f"/api/v1/surveys/follow-ups/{follow_up.pk}/calls/",
        {"notes": "已致电道歉，客户接受", "close": True},
        format="json",
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["closed_at"] is not None
    assert client_for(supervisor).get("/api/v1/surveys/follow-ups/").json() == []


def test_campaign_to_a_region_with_results(
    client, client_for, supervisor, agent, customer, other_customer, region
):
    ContactFactory(customer=customer, email="a@example.cn", is_primary=True)
    ContactFactory(customer=other_customer, email="b@example.cn")
    assert (
        client_for(agent)
        .post(
            "/api/v1/surveys/campaigns/",
            {"name": "x", "questionnaire": "resolution", "region": region.code},
            format="json",
        )
        .status_code
        == 403
    )
    created = client_for(supervisor).post(
        "/api/v1/surveys/campaigns/",
        {"name": "2026 年度满意度调查", "questionnaire": "resolution", "region": region.code},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["surveys"], body["answered"]) == (2, 0)
    survey = Survey.objects.filter(customer=customer).get()
    client.post(
        f"/surveys/{survey.token}/",
        {"overall": "5", "response_speed": "4", "attitude": "5", "skill": "5"},
    )
    results = client_for(supervisor).get(f"/api/v1/surveys/campaigns/{body['id']}/results/").json()
    assert results["answered"] == 1
    overall = next(q for q in results["questions"] if q["code"] == "overall")
    assert (overall["average"], overall["answers"]) == (5.0, 1)


def test_visit_questionnaire_names_the_engineer(
    client, client_for, agent, engineer, customer, make_case
):
    from aftersales.dispatch.models import Visit

    case = make_case(case_type="visit")
    visit = Visit.objects.create(
        case=case,
        engineer=engineer,
        planned_at=RESOLVED,
        status="done",
        created_by=agent,
        created_at=RESOLVED,
    )
    started = client_for(engineer).post(f"/api/v1/visits/{visit.pk}/survey/")
    assert started.status_code == 200, started.content
    assert started.json()["engineers"] == [engineer.username]
    token = started.json()["url"].rstrip("/").rsplit("/", 1)[-1]
    again = client_for(engineer).post(f"/api/v1/visits/{visit.pk}/survey/")
    assert again.json()["id"] == started.json()["id"]
    client.post(f"/surveys/{token}/", {"service": "5", "product": "3", "needs": "希望增加培训"})
    survey = Survey.objects.get(visit=visit)
    assert (survey.status, survey.overall) == ("answered", 5)
    assert "希望增加培训" in survey.comment


def test_survey_panels_on_the_case_pages(client, agent, contact_user, customer, make_case):
    case = make_case()
    with time_machine.travel(RESOLVED, tick=False):
        case = case_transition(case=case, to="responded", by=agent)
        case = case_transition(case=case, to="resolved", by=agent, note="好了")
    surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5))
    survey = Survey.objects.get()
    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert f"/surveys/{survey.token}/" in portal
    client.force_login(agent)
    console = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'id="survey"' in console
    assert survey.token not in console
