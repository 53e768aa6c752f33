"""The CTI webhook: signed call events, callers found by number, calls logged on cases."""

from __future__ import annotations

import json
import time

import pytest
import time_machine

from aftersales.cases.choices import CaseChannel, CaseStatus
from aftersales.cases.models import Case, CaseEvent, Comment
from aftersales.channels.models import Call, WebhookEvent
from aftersales.customers.services import customer_unassigned

from .conftest import CTI_SECRET

pytestmark = pytest.mark.django_db

URL = "/api/v1/cti/calls/"


def counts():
    return (Call.objects.count(), WebhookEvent.objects.count(), Case.objects.count())


def test_a_known_callers_call_is_logged_on_their_open_case(cti, wang, agent_ext, make_case):
    # given: 王伟 has an open case; he calls from his mobile, written differently by the CTI
    case = make_case(contact=wang)
    # when: the call rings at extension 8001, is answered, and ends with a recording
    with time_machine.travel("2026-11-25 10:00:00+08:00", tick=False):
        r1 = cti("c-100", "ringing", "+86 13800138000", "8001")
    with time_machine.travel("2026-11-25 10:00:10+08:00", tick=False):
        r2 = cti("c-100", "answered", "+86 13800138000", "8001")
    with time_machine.travel("2026-11-25 10:03:25+08:00", tick=False):
        r3 = cti(
            "c-100", "ended", "+86 13800138000", "8001", recording_url="https://pbx.example/r/100"
        )
    # then
    assert [r.status_code for r in (r1, r2, r3)] == [200, 200, 200]
    assert r1.json()["case"] == case.number
    assert r1.json()["agent"] == agent_ext.username
    assert r3.json()["state"] == "ended"
    call = Call.objects.get(external_id="c-100")
    assert (call.contact, call.customer, call.case, call.agent) == (
        wang,
        case.customer,
        case,
        agent_ext,
    )
    assert call.talk_time.total_seconds() == 195
    assert not call.needs_completion
    # one internal note on the case's timeline: direction, duration, recording link
    notes = list(Comment.objects.filter(case=case, is_public=False))
    assert len(notes) == 1
    assert notes[0].author == agent_ext
    body = notes[0].body
    assert "138 0013 8000" in body
    assert "王伟" in body
    assert "3" in body
    assert "15" in body
    assert "https://pbx.example/r/100" in body
    assert CaseEvent.objects.filter(case=case, kind="commented", is_public=False).count() == 1
    assert Case.objects.count() == 1


def test_each_call_event_is_applied_once(cti, wang, agent_ext, make_case):
    case = make_case(contact=wang)
    cti("c-1", "ringing", "13800138000", "8001")
    cti("c-1", "answered", "13800138000", "8001")
    first = cti("c-1", "ended", "13800138000", "8001")
    before = counts()
    # when: the call-center system retries the same events
    again = cti("c-1", "ended", "13800138000", "8001")
    cti("c-1", "ringing", "13800138000", "8001")
    # then: the first answer, marked as a duplicate, and nothing new
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert first.json()["duplicate"] is False
    assert counts() == before
    assert Comment.objects.filter(case=case).count() == 1


def test_an_event_id_reused_for_another_body_is_a_conflict(cti, wang, agent_ext):
    cti("c-2", "ringing", "13800138000", "8001")
    response = cti("c-2", "ringing", "13900000000", "8001")
    assert response.status_code == 409
    assert Call.objects.get(external_id="c-2").caller_normalized == "+8613800138000"


def test_an_unknown_callers_call_opens_a_draft_case_for_the_agent(cti, agent_ext):
    # when: an unknown number calls, the agent talks, nobody opens a case during the call
    cti("c-3", "ringing", "0755-8888 6666", "8001")
    cti("c-3", "answered", "0755-8888 6666", "8001")
    response = cti("c-3", "ended", "0755-8888 6666", "8001")
    # then: a draft case — status new, channel phone, assigned to the agent, to be completed
    number = response.json()["case"]
    assert response.json()["needs_completion"] is True
    case = Case.objects.get(number=number)
    assert case.status == CaseStatus.NEW
    assert case.channel == CaseChannel.PHONE
    assert case.assignee == agent_ext
    assert case.customer == customer_unassigned()
    assert "0755-8888 6666" in case.summary
    call = Call.objects.get(external_id="c-3")
    assert call.case == case
    assert call.needs_completion
    assert Comment.objects.filter(case=case, is_public=False).count() == 1


def test_a_missed_call_from_a_known_contact_without_open_cases(cti, wang, agent_ext):
    cti("c-4", "ringing", "021-62345678", "8001")
    response = cti("c-4", "ended", "021-62345678", "8001")
    case = Case.objects.get(number=response.json()["case"])
    assert case.customer == wang.customer
    assert case.contact == wang
    assert Call.objects.get(external_id="c-4").state == "missed"
    note = Comment.objects.get(case=case, is_public=False)
    assert "missed" in note.body.lower() or "未接" in note.body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_AFTERSALES_TIMESTAMP": "1", "HTTP_X_AFTERSALES_SIGNATURE": "sha256=00"},
    ],
)
def test_unsigned_or_badly_signed_requests_are_401_and_store_nothing(client, headers):
    body = json.dumps({"call_id": "x", "event": "ringing", "caller": "13800138000"})
    response = client.post(URL, data=body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] in ("signature_missing", "signature_invalid")
    assert counts() == (0, 0, 0)


def test_a_replayed_request_outside_the_window_is_refused(post_signed):
    payload = {"call_id": "x", "event": "ringing", "caller": "13800138000"}
    response = post_signed(URL, payload, timestamp=int(time.time()) - 3600)
    assert response.status_code == 401
    assert response.json()["code"] == "timestamp_outside_tolerance"
    response = post_signed(URL, payload, secret="wrong-secret")
    assert response.status_code == 401
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b"\xff\xfe",
        json.dumps({"call_id": "x", "event": "exploded", "caller": "13800138000"}).encode(),
        json.dumps({"call_id": "x", "event": "ringing", "caller": "not a number"}).encode(),
        json.dumps({"call_id": "x", "event": "ringing"}).encode(),
        json.dumps(
            {"call_id": "x", "event": "ended", "caller": "138", "recording_url": "javascript:1"}
        ).encode(),
        json.dumps(
            {
                "call_id": "x",
                "event": "ringing",
                "caller": "13800138000",
                "occurred_at": "2999-01-01T00:00:00+08:00",
            }
        ).encode(),
    ],
)
def test_bad_bodies_are_400_and_store_nothing(post_signed, raw):
    response = post_signed(URL, raw=raw)
    assert response.status_code == 400, response.content
    assert counts() == (0, 0, 0)


def test_an_unconfigured_webhook_refuses_everything(post_signed, settings):
    settings.CHANNELS_CTI_SECRET = ""
    response = post_signed(URL, {"call_id": "x", "event": "ringing", "caller": "13800138000"})
    assert response.status_code == 503
    assert counts() == (0, 0, 0)


def test_staff_list_the_calls_of_a_case(cti, client_for, wang, agent_ext, make_case, contact_user):
    case = make_case(contact=wang)
    cti("c-5", "ringing", "13800138000", "8001")
    cti("c-5", "answered", "13800138000", "8001")
    cti("c-5", "ended", "13800138000", "8001", recording_url="https://pbx.example/r/5")
    response = client_for(agent_ext).get(f"/api/v1/cases/{case.number}/calls/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["external_id"] == "c-5"
    assert row["direction"] == "inbound"
    assert row["agent"] == agent_ext.username
    assert row["recording_url"] == "https://pbx.example/r/5"
    assert row["duration_seconds"] is not None
    assert client_for(contact_user).get(f"/api/v1/cases/{case.number}/calls/").status_code == 403
    assert client_for(agent_ext).get("/api/v1/cases/NOPE/calls/").status_code == 404


def test_the_secret_is_the_one_configured(post_signed):
    payload = {"call_id": "c-6", "event": "ringing", "caller": "13800138000"}
    assert post_signed(URL, payload, secret=CTI_SECRET).status_code == 200
