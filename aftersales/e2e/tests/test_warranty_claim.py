"""A warranty claim in two browsers: the customer files it with a photo in the portal, the
supervisor walks the scope and exclusions in the console and decides, the customer reads the
decision and the named exclusion on the portal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aftersales.e2e.conftest import arrived


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_claim_from_portal_to_decision(
    open_browser, sign_in, screenshot, photo, contact_user, supervisor, unit
):
    from aftersales.cases.models import Case
    from aftersales.warranty.models import ClaimAssessment

    # The customer files the claim with a photo of the damage.
    portal = open_browser("en-US")
    sign_in(portal, contact_user)
    portal.goto("/portal/requests/new/")
    portal.locator("#id_asset").select_option(unit.serial_number)
    portal.locator("#id_case_type").select_option("warranty_claim")
    portal.locator("#id_severity").select_option("C-3")
    portal.locator("#id_summary").fill("Power module burnt out after a storm")
    portal.locator("#id_description").fill("The unit smelled of smoke after last night's storm.")
    portal.locator("#id_files").set_input_files(
        files=[{"name": "damage.png", "mimeType": "image/png", "buffer": photo}]
    )
    portal.locator("main form button[type=submit]").click()
    arrived(portal, re.compile(r"/portal/cases/SR-\d{4}-\d{6}/$"))
    number = portal.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(number=number)
    assert (case.case_type, case.sla_policy.code) == ("warranty_claim", "warranty-claim")
    expect(portal.locator("#claim")).to_contain_text("Being assessed")

    # The supervisor finds it, checks the photo as evidence and names the exclusion.
    console = open_browser("en-US")
    sign_in(console, supervisor)
    console.goto(f"/console/cases/{number}/")
    form = console.locator("#claim-decide")
    expect(form).to_be_visible()
    form.get_by_label("Performance fault or malfunction in use").check()
    form.get_by_label("Accident, natural disaster or force majeure").check()
    form.get_by_label("damage.png").check()
    form.locator("select[name=claim-decision]").select_option("not_covered")
    form.locator("textarea[name=claim-findings]").fill("Lightning surge marks on the input stage.")
    screenshot(console, "decision-form")
    form.get_by_role("button", name="Record the decision").click()
    expect(console.locator(".messages li.success")).to_contain_text("Not covered")
    assessment = ClaimAssessment.objects.get(case=case)
    assert assessment.decision == "not_covered"
    assert assessment.exclusions == ["accident"]
    assert [a.name for a in assessment.evidence.all()] == ["damage.png"]
    assert assessment.decided_by == supervisor

    # The customer reads the decision with the exclusion named, and nothing internal.
    portal.reload()
    panel = portal.locator("#claim")
    expect(panel.locator("[data-claim-decision]")).to_have_text("Not covered")
    expect(panel).to_contain_text("Accident, natural disaster or force majeure")
    expect(portal.locator("body")).not_to_contain_text("Lightning surge")
    screenshot(portal, "decision-read")
