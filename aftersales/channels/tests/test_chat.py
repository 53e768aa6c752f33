"""Portal chat: customer and on-duty agent talk on a case; messages are public comments in the
timeline; both sides poll for new messages with an "after" cursor; the console lists waiting
chats; customers reach only their own organisation's cases."""

from __future__ import annotations

import re

import pytest

from aftersales.cases.choices import CaseChannel, CaseEventKind
from aftersales.cases.models import Case, CaseEvent, Comment
from aftersales.channels.models import Chat
from aftersales.channels.selectors import on_duty_agent

pytestmark = pytest.mark.django_db


def after_of(html: str) -> int:
    return int(re.search(r'data-after="(\d+)"', html).group(1))


def test_customer_and_agent_chat_on_a_case(client, contact_user, agent, make_case):
    agent.is_available = True
    agent.save(update_fields=["is_available"])
    case = make_case(assignee=agent)
    portal = f"/channels/portal/cases/{case.number}/chat/"
    console = f"/channels/console/cases/{case.number}/chat/"
    # the customer opens the chat panel: the assignee on duty answers
    client.force_login(contact_user)
    panel = client.get(portal)
    assert panel.status_code == 200
    assert str(agent) in panel.content.decode()
    cursor = after_of(panel.content.decode())
    assert client.get(portal + f"messages/?after={cursor}").status_code == 204
    # the customer writes (htmx)
    sent = client.post(portal + "send/", {"text": "请问工程师几点到？"}, HTTP_HX_REQUEST="true")
    assert sent.status_code == 200
    assert sent["HX-Trigger"] == "chat-refresh"
    comment = Comment.objects.get(case=case)
    assert comment.is_public
    assert comment.author == contact_user
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.COMMENTED).count() == 1
    new = client.get(portal + f"messages/?after={cursor}").content.decode()
    assert "请问工程师几点到？" in new
    assert 'hx-swap-oob="beforeend:#chat-log"' in new
    assert after_of(new) == comment.pk
    # the agent sees the chat waiting, and the message, without reloading the page
    client.force_login(agent)
    poll = client.get("/channels/console/poll/").content.decode()
    assert "chats-waiting" in poll
    assert f"/console/cases/{case.number}/#chat" in poll
    assert "请问工程师几点到？" in client.get(console + "messages/?after=0").content.decode()
    client.post(console + "send/", {"text": "下午两点前到达。"}, HTTP_HX_REQUEST="true")
    reply = Comment.objects.get(case=case, author=agent)
    assert reply.is_public
    case.refresh_from_db()
    assert case.responded_at is not None  # a staff chat message is a response to the customer
    assert "chats-waiting" not in client.get("/channels/console/poll/").content.decode()
    # the customer's next poll brings only the reply
    client.force_login(contact_user)
    update = client.get(portal + f"messages/?after={comment.pk}").content.decode()
    assert "下午两点前到达。" in update
    assert "请问工程师几点到？" not in update
    assert Chat.objects.get(case=case).agent == agent


def test_start_a_chat_without_a_case(client, contact_user, customer):
    client.force_login(contact_user)
    assert client.get("/channels/portal/chat/").status_code == 200
    response = client.post("/channels/portal/chat/", {"text": "我们的 UPS 一直在报警"})
    case = Case.objects.get()
    assert response["Location"] == f"/portal/cases/{case.number}/#chat"
    assert case.channel == CaseChannel.CHAT
    assert case.customer == customer
    assert Comment.objects.get(case=case).body == "我们的 UPS 一直在报警"
    # an empty message starts nothing
    assert client.post("/channels/portal/chat/", {"text": "  "}).status_code == 400
    assert Case.objects.count() == 1


def test_customers_never_reach_another_organisations_chat(
    client, contact_user, other_contact_user, other_customer, make_case
):
    theirs = make_case(customer=other_customer, summary="地铁信号系统中断")
    make_case(summary="我方问题")
    client.force_login(contact_user)
    base = f"/channels/portal/cases/{theirs.number}/chat/"
    assert client.get(base).status_code == 404
    assert client.get(base + "messages/?after=0").status_code == 404
    assert client.post(base + "send/", {"text": "hi"}).status_code == 404
    assert Comment.objects.count() == 0
    # the start page lists only their own open cases
    html = client.get("/channels/portal/chat/").content.decode()
    assert "我方问题" in html
    assert theirs.number not in html
    # staff chat URLs are not for customers
    assert client.get(f"/channels/console/cases/{theirs.number}/chat/").status_code == 302


def test_bad_chat_messages_are_refused(client, contact_user, make_case):
    case = make_case()
    client.force_login(contact_user)
    url = f"/channels/portal/cases/{case.number}/chat/send/"
    response = client.post(url, {"text": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert client.post(url, {"text": "x" * 2001}, HTTP_HX_REQUEST="true").status_code == 400
    assert Comment.objects.count() == 0


def test_on_duty_agent_is_the_available_assignee_else_an_available_team_member(
    make_user, make_case
):
    from aftersales.accounts.tests.factories import TeamFactory

    assignee = make_user("engineer", username="eng", is_available=False)
    member = make_user("engineer", username="member", is_available=True)
    team = TeamFactory()
    team.members.add(member)
    case = make_case(assignee=assignee, team=team)
    assert on_duty_agent(case) == member
    assignee.is_available = True
    assignee.save(update_fields=["is_available"])
    case.refresh_from_db()
    assert on_duty_agent(case) == assignee


@pytest.mark.parametrize("channel", ["fax", "letter", "walk_in"])
def test_fax_letter_and_walk_in_are_logged_in_the_console_with_a_scan(
    client, agent, customer, channel, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aftersales.cases.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    client.force_login(agent)
    html = client.get("/console/cases/new/").content.decode()
    assert f'value="{channel}"' in html
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        "/console/cases/new/",
        {
            "customer": customer.code,
            "case_type": "fault",
            "channel": channel,
            "severity": "C-3",
            "summary": "来函：设备报修",
            "attachment": scan,
        },
    )
    case = Case.objects.get()
    assert response["Location"] == f"/console/cases/{case.number}/"
    assert case.channel == channel
    assert Attachment.objects.filter(case=case, name="scan.pdf").exists()
