"""The claim and quote panels on the console and portal case pages."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext

from aftersales.catalog.tests.factories import AssetFactory
from aftersales.sla.tests.helpers import asset_with_contract, at, clocks, open_case
from aftersales.warranty.models import ClaimAssessment, Quote

NOW = at(2026, 11, 2, 15, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def claim(agent, customer, contact_user):
    asset = asset_with_contract(customer, serial="PG-CLM", hardware_warranty_months=12)
    return open_case(
        agent,
        customer,
        at(2026, 11, 2, 10, 0),
        case_type="warranty_claim",
        asset=asset,
        contact=None,
        summary="主控板故障索赔",
    )


def test_supervisor_decides_on_the_console_and_the_customer_reads_it(
    client, supervisor, contact_user, claim
):
    client.force_login(supervisor)
    page = client.get(f"/console/cases/{claim.number}/").content.decode()
    assert 'id="claim-decide"' in page
    response = client.post(
        f"/warranty/cases/{claim.number}/decide/",
        {
            "claim-scope": ["manufacturing_defect"],
            "claim-decision": "covered",
            "claim-remedy": "free_repair",
            "claim-findings": "主控板电容鼓包",
            "claim-customer_answer": "经检测属于制造缺陷，我们将免费维修。",
        },
    )
    assert response.status_code == 302
    assessment = ClaimAssessment.objects.get()
    assert (assessment.decision, assessment.remedy, assessment.decided_by) == (
        "covered",
        "free_repair",
        supervisor,
    )
    assert "remedy" in clocks(claim)
    page = client.get(f"/console/cases/{claim.number}/").content.decode()
    assert 'id="remedy-done"' in page
    assert "主控板电容鼓包" in page

    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{claim.number}/").content.decode()
    assert "经检测属于制造缺陷，我们将免费维修。" in portal
    assert 'data-claim-decision="covered"' in portal
    assert "主控板电容鼓包" not in portal  # internal findings stay internal


def test_refused_decision_on_the_console_shows_why(client, supervisor, claim):
    client.force_login(supervisor)
    response = client.post(
        f"/warranty/cases/{claim.number}/decide/",
        {"claim-decision": "covered", "claim-remedy": "free_repair"},
        follow=True,
    )
    assert response.status_code == 200
    assert not ClaimAssessment.objects.exists()
    with translation.override("zh-hans"):
        expected = gettext("Name what the warranty covers in this fault.")
    assert any(expected in m for m in map(str, response.context["messages"]))


def test_agents_see_no_decision_form_and_cannot_post_one(client, agent, claim):
    client.force_login(agent)
    page = client.get(f"/console/cases/{claim.number}/").content.decode()
    assert 'id="claim-decide"' not in page
    client.post(
        f"/warranty/cases/{claim.number}/decide/",
        {
            "claim-scope": ["manufacturing_defect"],
            "claim-decision": "covered",
            "claim-remedy": "free_repair",
        },
    )
    assert not ClaimAssessment.objects.exists()


def test_quote_from_the_console_accepted_in_the_portal(client, agent, contact_user, customer):
    old = AssetFactory(
        serial_number="PG-OLD", customer=customer, purchase_date=at(2023, 1, 1).date()
    )
    case = open_case(agent, customer, at(2026, 11, 2, 9, 0), asset=old, summary="过保维修")
    client.force_login(agent)
    response = client.post(
        f"/warranty/cases/{case.number}/quotes/",
        {
            "quote-parts_description": "电源模块",
            "quote-parts_quantity": "1",
            "quote-parts_unit_price": "860",
            "quote-labour_description": "工时",
            "quote-labour_quantity": "2",
            "quote-labour_unit_price": "150",
            "quote-valid_days": "10",
        },
    )
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert str(quote.total) == "1160.00"
    case.refresh_from_db()
    assert case.status == "waiting_customer"

    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{case.number}/").content.decode()
    assert quote.number in portal
    assert f"/warranty/quotes/{quote.number}/accept/" in portal
    answered = client.post(
        f"/warranty/quotes/{quote.number}/accept/", {"answer-note": "请尽快安排"}
    )
    assert answered.status_code == 302
    assert answered["Location"] == f"/portal/cases/{case.number}/"
    quote.refresh_from_db()
    assert (quote.status, quote.decision_note, quote.decided_by) == (
        "accepted",
        "请尽快安排",
        contact_user,
    )
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_another_organisation_cannot_answer_a_quote(client, agent, other_contact_user, customer):
    old = AssetFactory(
        serial_number="PG-OLD2", customer=customer, purchase_date=at(2023, 1, 1).date()
    )
    case = open_case(agent, customer, at(2026, 11, 2, 9, 0), asset=old)
    client.force_login(agent)
    client.post(
        f"/warranty/cases/{case.number}/quotes/",
        {
            "quote-parts_description": "风扇",
            "quote-parts_unit_price": "100",
            "quote-valid_days": "5",
        },
    )
    quote = Quote.objects.get()
    client.force_login(other_contact_user)
    assert client.post(f"/warranty/quotes/{quote.number}/accept/").status_code == 404
    quote.refresh_from_db()
    assert quote.status == "sent"


def test_plain_fault_cases_without_quotes_show_no_panel_to_customers(
    client, contact_user, make_case
):
    case = make_case()
    client.force_login(contact_user)
    assert 'id="claim"' not in client.get(f"/portal/cases/{case.number}/").content.decode()
