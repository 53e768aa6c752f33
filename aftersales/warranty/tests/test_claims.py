"""Warranty claims: the decision paths, the clocks they drive, quotes, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases.models import Case, CaseEvent
from aftersales.catalog.tests.factories import AssetFactory
from aftersales.sla.tests.helpers import asset_with_contract, at, clocks, open_case
from aftersales.warranty.models import ClaimAssessment, Quote

REPORTED = at(2026, 11, 2, 10, 0)  # a Monday


@pytest.fixture
def claim(agent, customer, contact_user):
    asset = asset_with_contract(customer, serial="CLM-1", hardware_warranty_months=12)
    return open_case(
        agent,
        customer,
        REPORTED,
        case_type="warranty_claim",
        asset=asset,
        contact=None,
        summary="电源模块烧毁，申请索赔",
    )


@pytest.fixture
def old_claim(agent, customer):
    """A claim on a unit whose one-year warranty ended before the report."""
    asset = AssetFactory(
        serial_number="CLM-OLD", customer=customer, purchase_date=dt.date(2024, 1, 5)
    )
    return open_case(
        agent, customer, REPORTED, case_type="warranty_claim", asset=asset, summary="过保索赔"
    )


DECIDED = at(2026, 11, 2, 15, 0)


def decide(client, case, payload, when=DECIDED):
    with time_machine.travel(when, tick=False):
        return client.post(f"/api/v1/cases/{case.number}/claim/", payload, format="json")


def test_claims_get_the_claim_policy_with_response_and_no_remedy_clock_yet(claim):
    assert claim.sla_policy.code == "warranty-claim"
    live = clocks(claim)
    assert set(live) == {"response"}
    assert live["response"].due_at == at(2026, 11, 3, 10, 0)  # 24 h on 24x7


def test_covered_decision_answers_the_customer_and_starts_the_remedy_clock(
    client_for, supervisor, contact_user, claim
):
    response = decide(
        client_for(supervisor),
        claim,
        {
            "decision": "covered",
            "scope": ["manufacturing_defect"],
            "remedy": "free_replacement",
            "findings": "电源模块焊点虚焊，属制造缺陷。",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["decision"], body["remedy"], body["warranty_active"]) == (
        "covered",
        "free_replacement",
        True,
    )
    live = clocks(claim)
    assert live["response"].state == "met"
    assert live["response"].met_at == at(2026, 11, 2, 15, 0)
    assert live["remedy"].state == "running"
    assert live["remedy"].due_at == at(2026, 11, 5, 15, 0)  # 72 h after the decision
    claim.refresh_from_db()
    assert claim.status == "responded"
    public = CaseEvent.objects.filter(case=claim, kind="claim", is_public=True).get()
    assert public.note  # the default answer, in the contact's language
    internal = CaseEvent.objects.filter(case=claim, kind="claim", is_public=False).get()
    assert "虚焊" in internal.note
    # The customer reads the decision and the answer, never the internal findings.
    seen = client_for(contact_user).get(f"/api/v1/cases/{claim.number}/claim/").json()
    assert seen["decision"] == "covered"
    assert "findings" not in seen
    assert "evidence" not in seen
    timeline = client_for(contact_user).get(f"/api/v1/cases/{claim.number}/timeline/")
    assert timeline.status_code == 200
    assert "虚焊" not in timeline.content.decode()

    with time_machine.travel(at(2026, 11, 4, 9, 0), tick=False):
        done = client_for(supervisor).post(
            f"/api/v1/cases/{claim.number}/claim/remedy-done/",
            {"note": "已更换电源模块"},
            format="json",
        )
    assert done.status_code == 200, done.content
    assert clocks(claim)["remedy"].state == "met"
    again = client_for(supervisor).post(
        f"/api/v1/cases/{claim.number}/claim/remedy-done/", {}, format="json"
    )
    assert again.status_code == 409
    # Once carried out, the decision is final.
    revised = decide(
        client_for(supervisor), claim, {"decision": "not_covered", "exclusions": ["accident"]}
    )
    assert revised.status_code == 409
    assert ClaimAssessment.objects.get().decision == "covered"


def test_late_remedy_breaches_and_escalates(client_for, supervisor, claim):
    from aftersales.sla.services import sla_sweep

    decide(
        client_for(supervisor),
        claim,
        {"decision": "covered", "scope": ["performance_fault"], "remedy": "free_repair"},
    )
    with time_machine.travel(at(2026, 11, 5, 16, 0), tick=False):
        sla_sweep()
    remedy = clocks(claim)["remedy"]
    assert remedy.state == "breached"
    assert remedy.escalation_level >= 1
    assert claim.escalations.filter(clock=remedy).exists()


def test_not_covered_names_the_exclusion_and_starts_no_remedy(
    client_for, supervisor, contact_user, claim
):
    response = decide(
        client_for(supervisor),
        claim,
        {"decision": "not_covered", "scope": ["performance_fault"], "exclusions": ["accident"]},
    )
    assert response.status_code == 201, response.content
    answer = response.json()["customer_answer"]
    assert "不可抗力" in answer or "force majeure" in answer
    assert "remedy" not in clocks(claim)


def test_partly_covered_refund(client_for, supervisor, claim):
    response = decide(
        client_for(supervisor),
        claim,
        {
            "decision": "partly_covered",
            "scope": ["manufacturing_defect"],
            "exclusions": ["abnormal_environment"],
            "remedy": "refund",
            "refund_amount": "1280.50",
            "customer_answer": "部分属于保修范围，退款 1280.50 元。",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["refund_amount"], body["customer_answer"]) == (
        "1280.50",
        "部分属于保修范围，退款 1280.50 元。",
    )
    assert "remedy" in clocks(claim)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"decision": "covered", "remedy": "free_repair"}, "scope"),
        (
            {
                "decision": "covered",
                "scope": ["manufacturing_defect"],
                "exclusions": ["accident"],
                "remedy": "free_repair",
            },
            "exclusions",
        ),
        ({"decision": "covered", "scope": ["manufacturing_defect"]}, "remedy"),
        (
            {"decision": "covered", "scope": ["manufacturing_defect"], "remedy": "refund"},
            "refund_amount",
        ),
        (
            {
                "decision": "covered",
                "scope": ["manufacturing_defect"],
                "remedy": "refund",
                "refund_amount": "0",
            },
            "refund_amount",
        ),
        ({"decision": "partly_covered", "scope": ["manufacturing_defect"]}, "exclusions"),
        ({"decision": "not_covered", "scope": ["performance_fault"]}, "exclusions"),
        (
            {"decision": "not_covered", "exclusions": ["accident"], "remedy": "free_repair"},
            "remedy",
        ),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "covered", "scope": ["cosmic_rays"]}, "scope"),
        (
            {
                "decision": "covered",
                "scope": ["manufacturing_defect"],
                "evidence": [999999],
                "remedy": "free_repair",
            },
            "evidence",
        ),
    ],
)
def test_inconsistent_decisions_are_refused_and_change_nothing(
    client_for, supervisor, claim, payload, field
):
    response = decide(client_for(supervisor), claim, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ClaimAssessment.objects.exists()
    assert not CaseEvent.objects.filter(case=claim, kind="claim").exists()
    assert "remedy" not in clocks(claim)


def test_out_of_warranty_cannot_be_fully_covered_but_may_be_refused_plainly(
    client_for, supervisor, old_claim
):
    client = client_for(supervisor)
    info = client.get(f"/api/v1/cases/{old_claim.number}/claim/").json()
    assert info == {
        "case": old_claim.number,
        "decision": None,
        "warranty_active": False,
        "warranty_end": "2025-01-04",
    }
    refused = decide(
        client,
        old_claim,
        {"decision": "covered", "scope": ["manufacturing_defect"], "remedy": "free_repair"},
    )
    assert refused.status_code == 400
    assert "decision" in refused.json()
    plain = decide(client, old_claim, {"decision": "not_covered"})
    assert plain.status_code == 201, plain.content
    assert plain.json()["warranty_active"] is False


def test_only_supervisors_decide_and_customers_see_only_their_own(
    client_for, agent, engineer, contact_user, other_contact_user, claim
):
    payload = {"decision": "covered", "scope": ["manufacturing_defect"], "remedy": "free_repair"}
    for user in (agent, engineer, contact_user):
        assert decide(client_for(user), claim, payload).status_code == 403
    assert not ClaimAssessment.objects.exists()
    assert decide(client_for(other_contact_user), claim, payload).status_code == 404
    assert (
        client_for(other_contact_user).get(f"/api/v1/cases/{claim.number}/claim/").status_code
        == 404
    )


def test_claim_endpoint_refuses_other_case_types(client_for, supervisor, make_case):
    case = make_case()
    assert client_for(supervisor).get(f"/api/v1/cases/{case.number}/claim/").status_code == 404
    response = client_for(supervisor).post(
        f"/api/v1/cases/{case.number}/claim/",
        {"decision": "not_covered", "exclusions": ["accident"]},
        format="json",
    )
    assert response.status_code == 400


QUOTE = {
    "note": "更换主板及上门服务",
    "lines": [
        {"kind": "parts", "description": "主板 MB-7700", "quantity": "1", "unit_price": "3200.00"},
        {"kind": "labour", "description": "工时", "quantity": "2.5", "unit_price": "200"},
        {"kind": "travel", "description": "差旅", "quantity": "1", "unit_price": "350.5"},
    ],
}


def test_quote_waits_for_the_customer_who_accepts_in_the_portal_api(
    client_for, agent, contact_user, old_claim
):
    with time_machine.travel(at(2026, 11, 2, 11, 0), tick=False):
        sent = client_for(agent).post(
            f"/api/v1/cases/{old_claim.number}/quotes/", QUOTE, format="json"
        )
    assert sent.status_code == 201, sent.content
    quote = sent.json()
    assert quote["total"] == "4050.50"
    assert quote["valid_until"] == "2026-11-17"
    assert [line["amount"] for line in quote["lines"]] == ["3200.00", "500.00", "350.50"]
    case = Case.objects.get(pk=old_claim.pk)
    assert case.status == "waiting_customer"
    assert all(c.is_paused for c in clocks(case).values() if c.state != "met")

    with time_machine.travel(at(2026, 11, 3, 9, 0), tick=False):
        answered = client_for(contact_user).post(
            f"/api/v1/quotes/{quote['number']}/accept/", {"note": "同意"}, format="json"
        )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "accepted"
    case.refresh_from_db()
    assert case.status == "in_progress"
    texts = list(CaseEvent.objects.filter(case=case, kind="quote").values_list("note", flat=True))
    assert len(texts) == 2
    again = client_for(contact_user).post(f"/api/v1/quotes/{quote['number']}/decline/")
    assert again.status_code == 409


def test_new_quote_withdraws_the_old_and_expired_quotes_cannot_be_accepted(
    client_for, agent, contact_user, other_contact_user, old_claim
):
    client = client_for(agent)
    with time_machine.travel(at(2026, 11, 2, 11, 0), tick=False):
        first = client.post(f"/api/v1/cases/{old_claim.number}/quotes/", QUOTE, format="json")
        second = client.post(
            f"/api/v1/cases/{old_claim.number}/quotes/",
            {**QUOTE, "valid_days": 3},
            format="json",
        )
    assert second.status_code == 201, second.content
    assert Quote.objects.get(number=first.json()["number"]).status == "withdrawn"
    number = second.json()["number"]
    assert client_for(other_contact_user).get(f"/api/v1/quotes/{number}/").status_code == 404
    assert (
        client_for(other_contact_user).post(f"/api/v1/quotes/{number}/accept/").status_code == 404
    )
    with time_machine.travel(at(2026, 11, 6, 9, 0), tick=False):
        late = client_for(contact_user).post(f"/api/v1/quotes/{number}/accept/")
    assert late.status_code == 409
    assert late.json()["code"] == "quote_expired"
    assert Quote.objects.get(number=number).status == "sent"


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"kind": "gift", "description": "x", "quantity": "1", "unit_price": "1"}],
        [{"kind": "parts", "description": "x", "quantity": "0", "unit_price": "1"}],
        [{"kind": "parts", "description": "x", "quantity": "1", "unit_price": "-5"}],
        [{"kind": "parts", "description": "", "quantity": "1", "unit_price": "5"}],
    ],
)
def test_bad_quotes_are_refused(client_for, agent, old_claim, lines):
    response = client_for(agent).post(
        f"/api/v1/cases/{old_claim.number}/quotes/", {"lines": lines}, format="json"
    )
    assert response.status_code == 400, response.content
    assert not Quote.objects.exists()
    assert Case.objects.get(pk=old_claim.pk).status == "new"


def test_customers_cannot_send_quotes(client_for, contact_user, old_claim):
    response = client_for(contact_user).post(
        f"/api/v1/cases/{old_claim.number}/quotes/", QUOTE, format="json"
    )
    assert response.status_code == 403
    assert not Quote.objects.exists()
