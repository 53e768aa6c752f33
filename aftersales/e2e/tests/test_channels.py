"""Browser checks of the phone and chat channels: a screen-pop for a ringing call, and a portal
chat where both sides see new messages without reloading."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

SECRET = "e2e-cti-secret"  # noqa: S105 (a test secret)


def post_signed(base_url: str, path: str, payload: dict) -> dict:
    from aftersales.channels.signing import sign

    body = json.dumps(payload).encode()
    ts = int(time.time())
    request = urllib.request.Request(  # noqa: S310 (the live test server on loopback)
        base_url + path,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Aftersales-Timestamp": str(ts),
            "X-Aftersales-Signature": sign(SECRET, ts, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ringing_call_pops_up_on_the_agents_console(
    open_browser, sign_in, screenshot, live_server, settings, agent, customer, make_case
):
    from aftersales.customers.tests.factories import ContactFactory

    settings.CHANNELS_CTI_SECRET = SECRET
    settings.CHANNELS_POLL_SECONDS = 1
    agent.phone_extension = "8001"
    agent.save(update_fields=["phone_extension"])
    contact = ContactFactory(customer=customer, name="王伟", mobile="138 0013 8000")
    case = make_case(contact=contact, summary="CT 机无法开机")
    console = open_browser("zh-CN")
    sign_in(console, agent)
    expect(console.locator(".screen-pop")).to_have_count(0)

    # when: the call-center system reports a call ringing at the agent's extension
    answer = post_signed(
        live_server.url,
        "/api/v1/cti/calls/",
        {"call_id": "e2e-1", "event": "ringing", "caller": "+8613800138000", "callee": "8001"},
    )
    assert answer["case"] == case.number

    # then: the pop-up appears on the page already open, with the caller and the case
    pop = console.locator(".screen-pop[data-state=ringing]")
    expect(pop).to_be_visible()
    expect(pop).to_contain_text("138 0013 8000")
    expect(pop).to_contain_text(customer.name)
    expect(pop).to_contain_text("王伟")
    expect(pop.locator(f"a[href='/console/cases/{case.number}/']").first).to_be_visible()
    screenshot(console, "pop")

    # the agent opens the case from the pop-up
    pop.locator(f"a[href='/console/cases/{case.number}/']").first.click()
    expect(console.locator("main h1")).to_contain_text(case.number)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_customer_and_agent_chat_without_reloading(
    open_browser, sign_in, screenshot, settings, agent, contact_user, make_case
):
    settings.CHANNELS_POLL_SECONDS = 1
    agent.is_available = True
    agent.save(update_fields=["is_available"])
    case = make_case(assignee=agent, summary="UPS 报警")
    portal = open_browser("zh-CN")
    sign_in(portal, contact_user)
    portal.goto(f"/portal/cases/{case.number}/")
    console = open_browser("zh-CN")
    sign_in(console, agent)
    console.goto(f"/console/cases/{case.number}/")
    expect(console.locator("#chat-log")).to_be_visible()

    # the customer sends a message
    portal.locator("#chat textarea[name=text]").fill("请问工程师几点到？")
    portal.locator("#chat button[type=submit]").click()
    expect(portal.locator("#chat-log")).to_contain_text("请问工程师几点到？")
    expect(portal.locator("#chat textarea[name=text]")).to_have_value("")

    # the agent's open page shows it, and the waiting chat, without a reload
    expect(console.locator("#chat-log")).to_contain_text("请问工程师几点到？")
    expect(console.locator(".chats-waiting")).to_contain_text(case.number)

    # the agent replies; the customer's page shows it without a reload
    console.locator("#chat textarea[name=text]").fill("下午两点前到达。")
    console.locator("#chat button[type=submit]").click()
    expect(portal.locator("#chat-log")).to_contain_text("下午两点前到达。")
    expect(console.locator(".chats-waiting")).to_have_count(0)
    # each message once on each side
    expect(portal.locator("#chat-log .chat-msg")).to_have_count(2)
    expect(console.locator("#chat-log .chat-msg")).to_have_count(2)
    screenshot(portal, "portal")
    screenshot(console, "console")
