"""A return in the browser: a customer requests it in the portal with a photo, a supervisor
approves it in the console, the customer sees the RMA number. Two people, two browsers."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from aftersales.e2e.conftest import arrived


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_customer_requests_a_return_and_a_supervisor_approves_it(
    open_browser, sign_in, photo, tmp_path, contact_user, supervisor, customer, screenshot
):
    from aftersales.catalog.tests.factories import AssetFactory
    from aftersales.core import clock

    # given: a unit delivered three days ago
    today = clock.today()
    AssetFactory(
        serial_number="SN-RET-0001",
        customer=customer,
        delivery_date=today - datetime.timedelta(days=3),
    )
    picture = tmp_path / "dead-pixels.png"
    picture.write_bytes(photo)

    # when: the customer asks to return it for a quality problem
    portal = open_browser("en-US")
    sign_in(portal, contact_user)
    portal.goto("/returns/new/")
    portal.locator("#id_kind").select_option("return")
    portal.locator("#id_reason").select_option("quality")
    portal.locator("#id_asset").select_option("SN-RET-0001")
    portal.locator("#id_description").fill("Dead pixels across the top of the screen.")
    portal.locator("#id_files").set_input_files(str(picture))
    portal.locator("form[data-return-form] button[type=submit]").click()

    # then: the case page shows the policy's decision; nothing is approved yet
    arrived(portal, re.compile(r"/portal/cases/SR-\d{4}-\d{6}/$"))
    number = portal.url.rstrip("/").rsplit("/", 1)[1]
    panel = portal.locator("[data-panel=return]")
    expect(panel).to_contain_text("eligible")
    expect(panel).to_contain_text("within 7 days of delivery")
    expect(panel.locator("[data-rma]")).to_have_text("—")
    expect(portal.locator("body")).to_contain_text("dead-pixels.png")
    screenshot(portal, "requested")

    # when: the supervisor approves it from the console's case page
    console = open_browser("en-US")
    sign_in(console, supervisor)
    console.goto(f"/console/cases/{number}/")
    form = console.locator("form[data-return-step=approved]")
    form.locator("input").last.fill("Please ship it back in the original box.")
    form.locator("button[type=submit]").click()
    arrived(console, re.compile(re.escape(f"/console/cases/{number}/") + "$"))
    rma = f"RMA-{today:%Y%m%d}-0001"
    expect(console.locator("[data-panel=return] [data-rma]")).to_have_text(rma)
    expect(console.locator("form[data-return-step=received]")).to_be_visible()
    screenshot(console, "approved")

    # then: the customer sees the RMA number and what to do
    portal.reload()
    expect(portal.locator("[data-panel=return] [data-rma]")).to_have_text(rma)
    expect(portal.locator("[data-panel=return]")).to_contain_text("write the RMA number")
    expect(portal.locator("body")).to_contain_text("Please ship it back in the original box.")
