"""The console's screen-pop: a ringing call to the agent's extension, with the caller, the
customer, their open cases and the actions."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext, override

from aftersales.cases.choices import CaseChannel, CaseStatus
from aftersales.cases.models import Case
from aftersales.channels.models import Call

pytestmark = pytest.mark.django_db

POLL = "/channels/console/poll/"


def fingerprint(html: str) -> str:
    return re.search(r"\?fp=([0-9a-f]+)", html).group(1)


def test_the_console_page_polls_for_screen_pops(client, agent):
    client.force_login(agent)
    html = client.get("/console/").content.decode()
    assert 'id="channels-poll"' in html
    assert POLL in html


def test_a_ringing_call_pops_up_on_the_agents_console(client, cti, wang, agent_ext, make_case):
    case = make_case(contact=wang, summary="CT 机无法开机")
    other = make_case(contact=wang, summary="打印机卡纸")
    client.force_login(agent_ext)
    empty = client.get(POLL)
    assert empty.status_code == 200
    assert "screen-pop" not in empty.content.decode()
    # when
    cti("c-10", "ringing", "+86 138 0013 8000", "8001")
    response = client.get(POLL + "?fp=" + fingerprint(empty.content.decode()))
    # then: caller, customer, the case the call is logged on and the other open case, actions
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="ringing"' in html
    assert "138 0013 8000" in html
    assert wang.customer.name in html
    assert "王伟" in html
    assert f"/console/cases/{other.number}/" in html  # newest open case: the call is on it
    assert f"/console/cases/{case.number}/" in html  # the other open case, to log it there
    call = Call.objects.get(external_id="c-10")
    assert f"/channels/calls/{call.pk}/new-case/" in html
    assert f"/channels/calls/{call.pk}/dismiss/" in html
    # nothing changed: the next poll answers 204 (htmx swaps nothing)
    assert client.get(POLL + "?fp=" + fingerprint(html)).status_code == 204


def test_only_the_called_extension_sees_the_pop(client, cti, wang, agent_ext, make_user):
    colleague = make_user("agent", username="colleague", phone_extension="8002")
    cti("c-11", "ringing", "13800138000", "8001")
    client.force_login(colleague)
    assert "screen-pop" not in client.get(POLL).content.decode()
    client.force_login(agent_ext)
    assert "screen-pop" in client.get(POLL).content.decode()


def test_dismiss_and_new_case_from_the_pop(client, cti, agent_ext):
    cti("c-12", "ringing", "0571-8765 4321", "8001")
    call = Call.objects.get(external_id="c-12")
    client.force_login(agent_ext)
    # new case prefilled with the caller's number, assigned to the agent, to complete
    response = client.post(f"/channels/calls/{call.pk}/new-case/")
    call.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/console/cases/{call.case.number}/"
    assert call.case.channel == CaseChannel.PHONE
    assert call.case.status == CaseStatus.NEW
    assert call.case.assignee == agent_ext
    assert "0571-8765 4321" in call.case.summary
    assert call.needs_completion
    # the call ends: logged on that case, not on a second draft
    cti("c-12", "ended", "0571-8765 4321", "8001")
    assert Case.objects.count() == 1
    html = client.get(POLL).content.decode()
    with override("zh-hans"):
        assert gettext("needs completion") in html
    client.post(f"/channels/calls/{call.pk}/completed/")
    assert "screen-pop" not in client.get(POLL).content.decode()


def test_dismissing_hides_the_pop(client, cti, agent_ext):
    cti("c-13", "ringing", "13800138000", "8001")
    call = Call.objects.get(external_id="c-13")
    client.force_login(agent_ext)
    assert client.post(f"/channels/calls/{call.pk}/dismiss/").status_code == 302
    assert "screen-pop" not in client.get(POLL).content.decode()


def test_another_agent_cannot_dismiss_and_customers_get_no_pops(
    client, cti, agent_ext, make_user, contact_user
):
    cti("c-14", "ringing", "13800138000", "8001")
    call = Call.objects.get(external_id="c-14")
    client.force_login(make_user("agent", username="colleague"))
    client.post(f"/channels/calls/{call.pk}/dismiss/")
    call.refresh_from_db()
    assert call.dismissed_at is None
    client.force_login(contact_user)
    assert client.get(POLL)["Location"] == "/portal/"


def test_linking_the_call_to_another_open_case(client, cti, wang, agent_ext, make_case):
    older = make_case(contact=wang, summary="旧问题")
    make_case(contact=wang, summary="新问题")
    cti("c-15", "ringing", "13800138000", "8001")
    call = Call.objects.get(external_id="c-15")
    client.force_login(agent_ext)
    response = client.post(f"/channels/calls/{call.pk}/link/", {"case": older.number})
    assert response["Location"] == f"/console/cases/{older.number}/"
    call.refresh_from_db()
    assert call.case == older
    assert client.post(f"/channels/calls/{call.pk}/link/", {"case": "NOPE"}).status_code == 404


def test_the_poll_is_a_fixed_number_of_queries(
    client, cti, agent_ext, django_assert_max_num_queries
):
    client.force_login(agent_ext)
    for i in range(3):
        cti(f"c-2{i}", "ringing", f"1390000000{i}", "8001")
    fp = fingerprint(client.get(POLL).content.decode())
    with django_assert_max_num_queries(4):  # session, user, and the two fingerprint statements
        assert client.get(POLL + "?fp=" + fp).status_code == 204
