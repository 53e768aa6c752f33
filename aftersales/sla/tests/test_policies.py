"""Which policy a case gets, why, and the due times of its clocks on real dates."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from aftersales.catalog.tests.factories import AssetFactory
from aftersales.sla.models import EscalationRule, SlaPolicy
from aftersales.sla.services import policy_decide
from aftersales.sla.tests.helpers import CST, asset_with_contract, at, clocks, open_case

REPORTED = at(2026, 9, 30, 16, 0)  # the afternoon before the National Day week


def test_defaults_ship_with_migrate(db):
    assert set(SlaPolicy.objects.values_list("code", flat=True)) == {
        "fault-7x24",
        "fault",
        "default",
        "warranty-claim",
        "complaint",
    }
    premium = SlaPolicy.objects.get(code="fault-7x24")
    rows = sorted((t.target, t.severity, t.minutes, t.calendar.code) for t in premium.targets.all())
    assert rows == [
        ("confirm", "C-1", 120, "7x8"),
        ("confirm", "C-2", 480, "7x8"),
        ("confirm", "C-3", 1440, "7x8"),
        ("follow_up", "", 4320, "24x7"),
        ("onsite", "", 720, "24x7"),
        ("response", "", 120, "24x7"),
        ("restore", "", 2880, "24x7"),
    ]
    claim = SlaPolicy.objects.get(code="warranty-claim")
    assert claim.case_type == "warranty_claim"
    assert sorted((t.target, t.minutes, t.calendar.code) for t in claim.targets.all()) == [
        ("follow_up", 4320, "24x7"),
        ("remedy", 4320, "24x7"),
        ("response", 1440, "24x7"),
    ]
    ladder = sorted(
        EscalationRule.objects.filter(target="confirm").values_list(
            "severity", "level", "after_minutes", "recipients"
        )
    )
    assert ladder == [
        ("C-1", 1, 0, ["assignee", "regional_supervisor"]),
        ("C-1", 2, 120, ["regional_supervisor", "service_director"]),
        ("C-2", 1, 0, ["assignee", "regional_supervisor"]),
        ("C-2", 2, 480, ["regional_supervisor", "service_director"]),
        ("C-3", 1, 0, ["assignee", "regional_supervisor"]),
        ("C-3", 2, 1440, ["regional_supervisor", "service_director"]),
    ]


@pytest.mark.parametrize(
    ("severity", "confirm_due"),
    [
        # 7x8 works every day 09:00-17:00, National Day included: 1 h on Sep 30, then Oct 1 on.
        ("C-1", at(2026, 10, 1, 10, 0)),  # 1 + 1
        ("C-2", at(2026, 10, 1, 16, 0)),  # 1 + 7
        ("C-3", at(2026, 10, 3, 16, 0)),  # 1 + 8 + 8 + 7
    ],
)
def test_fault_on_7x24_contract_gets_every_promise(agent, customer, severity, confirm_due):
    asset = asset_with_contract(customer)
    case = open_case(agent, customer, REPORTED, asset=asset, severity=severity)
    due = {t: c.due_at.astimezone(CST) for t, c in clocks(case).items()}
    assert due == {
        "response": at(2026, 9, 30, 18, 0),
        "onsite": at(2026, 10, 1, 4, 0),
        "restore": at(2026, 10, 2, 16, 0),
        "confirm": confirm_due,
    }
    assert {c.calendar.code for c in clocks(case).values()} == {"24x7", "7x8"}
    assert case.sla_policy.code == "fault-7x24"


def test_fault_on_5x8_contract_gets_24h_response_and_severity_confirm(agent, customer):
    asset = asset_with_contract(customer, level="5x8", serial="SN-5X8")
    case = open_case(agent, customer, REPORTED, asset=asset, severity="C-1")
    due = {t: c.due_at.astimezone(CST) for t, c in clocks(case).items()}
    assert due == {"response": at(2026, 10, 1, 16, 0), "confirm": at(2026, 10, 1, 10, 0)}
    assert case.sla_policy.code == "fault"


def test_consultation_gets_the_default_policy(agent, customer):
    asset = asset_with_contract(customer)
    case = open_case(agent, customer, REPORTED, asset=asset, case_type="consultation")
    due = {t: c.due_at.astimezone(CST) for t, c in clocks(case).items()}
    assert due == {"response": at(2026, 10, 1, 16, 0)}
    assert case.sla_policy.code == "default"
    assert case.sla_facts["matched"] == "default"


def test_expired_contract_does_not_give_7x24_service(agent, customer):
    asset = asset_with_contract(
        customer,
        serial="SN-OLD",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    case = open_case(agent, customer, REPORTED, asset=asset)
    assert case.sla_policy.code == "fault"
    assert case.sla_facts["contract_active"] is False
    assert set(clocks(case)) == {"response", "confirm"}


def test_explanation_names_the_facts_in_the_users_language(agent, customer):
    asset = asset_with_contract(customer)
    case = open_case(agent, customer, REPORTED, asset=asset, severity="C-1")
    from aftersales.sla.selectors import case_sla_summary

    with translation.override("en"):
        text = case_sla_summary(case)["explanation"]
    assert text == (
        "7x24 contract C-SN-7X24, asset in warranty until 2027-01-09, Fault repair, C-1 "
        "→ policy 7×24 合同故障报修"
    )
    with translation.override("zh-hans"):
        zh = case_sla_summary(case)["explanation"]
    assert "C-SN-7X24" in zh
    assert "故障报修" in zh
    assert zh != text


def test_no_contract_and_no_asset(agent, customer):
    case = open_case(agent, customer, REPORTED)
    decision = policy_decide(case=case)
    assert decision.policy.code == "fault"
    assert decision.facts["service_level"] == "none"
    assert decision.facts["contract"] is None


def test_most_specific_policy_wins_then_order(agent, customer):
    from aftersales.calendars.models import BusinessCalendar
    from aftersales.sla.models import SlaTarget

    cal = BusinessCalendar.objects.get(code="24x7")
    specific = SlaPolicy.objects.create(
        code="c1-7x24",
        name="C-1 on 7x24",
        service_level="7x24",
        case_type="fault",
        severity="C-1",
        order=90,
    )
    SlaTarget.objects.create(policy=specific, target="response", minutes=30, calendar=cal)
    asset = asset_with_contract(customer)
    c1 = open_case(agent, customer, REPORTED, asset=asset, severity="C-1")
    c2 = open_case(agent, customer, REPORTED, asset=asset, severity="C-2")
    assert c1.sla_policy.code == "c1-7x24"
    assert clocks(c1)["response"].due_at.astimezone(CST) == at(2026, 9, 30, 16, 30)
    assert c2.sla_policy.code == "fault-7x24"


def test_out_of_warranty_condition(agent, customer):
    from aftersales.calendars.models import BusinessCalendar
    from aftersales.sla.models import SlaTarget

    policy = SlaPolicy.objects.create(
        code="oow", name="out of warranty", warranty="out_of_warranty", case_type="fault", order=5
    )
    SlaTarget.objects.create(
        policy=policy,
        target="response",
        minutes=4320,
        calendar=BusinessCalendar.objects.get(code="24x7"),
    )
    old = AssetFactory(
        customer=customer, serial_number="SN-OOW", purchase_date=datetime.date(2020, 1, 1)
    )
    case = open_case(agent, customer, REPORTED, asset=old)
    assert case.sla_policy.code == "oow"
    assert case.sla_facts["warranty"] == "out_of_warranty"
