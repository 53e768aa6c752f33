"""Complaints: registration, investigation, outcome, compensation paths, answer; who may act."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.cases.models import CaseEvent
from aftersales.complaints import services
from aftersales.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed


def test_a_complaint_is_a_case_with_the_complaint_policy_clocks(make_complaint):
    complaint = make_complaint()
    case = complaint.case
    assert case.case_type == "complaint"
    assert case.sla_policy.code == "complaint"
    targets = {c.target: c for c in case.sla_clocks.all()}
    assert set(targets) == {"response", "restore"}
    # 5 working days on cn-5x8 from Wednesday 10:00: the next Wednesday 10:00 (Shanghai).
    assert targets["restore"].due_at.isoformat() == "2026-12-02T02:00:00+00:00"
    assert complaint.complained_at == case.reported_at


def test_person_complaint_names_a_member_of_staff(make_complaint, engineer, contact_user):
    complaint = make_complaint(subject_kind="person", person=engineer)
    assert complaint.person == engineer
    with pytest.raises(ValidationFailed):
        make_complaint(subject_kind="person", person=contact_user)
    with pytest.raises(ValidationFailed):
        make_complaint(subject_kind="service", person=engineer)


def test_customers_describe_the_person_and_staff_name_them(
    make_complaint, contact_user, engineer, agent
):
    with pytest.raises(ValidationFailed):
        make_complaint(by=contact_user, subject_kind="person", person=engineer)
    complaint = make_complaint(by=contact_user, subject_kind="person")
    complaint = services.complaint_subject_set(
        complaint=complaint, by=agent, subject_kind="person", person=engineer
    )
    assert complaint.person == engineer
    with pytest.raises(NotAllowed):
        services.complaint_subject_set(complaint=complaint, by=contact_user, subject_kind="service")


def test_complaint_about_a_unit_is_about_its_product(make_complaint, asset):
    complaint = make_complaint(subject_kind="product", asset=asset)
    assert complaint.product == asset.product


def test_investigation_is_internal_and_moves_a_new_case_on(make_complaint, agent):
    complaint = make_complaint()
    complaint = services.complaint_investigate(
        complaint=complaint, by=agent, notes="调取派工记录", root_cause="派工冲突"
    )
    complaint.case.refresh_from_db()
    assert complaint.case.status == "diagnosing"
    event = CaseEvent.objects.get(case=complaint.case, field="complaint_investigation")
    assert not event.is_public
    assert "调取派工记录" in event.note


def test_upheld_with_approved_compensation_then_answered(make_complaint, agent, supervisor):
    complaint = make_complaint()
    services.complaint_conclude(
        complaint=complaint, by=supervisor, at_fault=True, root_cause="排班失误"
    )
    complaint = services.complaint_compensation_request(
        complaint=complaint, by=agent, kind="free_service", amount="500.00", note="免费巡检一次"
    )
    assert complaint.compensation_state == "requested"
    with pytest.raises(Conflict):
        services.complaint_answer(complaint=complaint, by=agent, answer="抱歉")
    complaint = services.complaint_compensation_decide(
        complaint=complaint, by=supervisor, approve=True
    )
    assert complaint.compensation_state == "approved"
    assert complaint.compensation_decided_by == supervisor
    assert complaint.compensation_decided_at is not None
    assert complaint.compensation_amount == Decimal("500.00")
    complaint = services.complaint_answer(
        complaint=complaint, by=agent, answer="非常抱歉，我们将免费巡检一次。"
    )
    case = complaint.case
    case.refresh_from_db()
    assert case.status == "resolved"
    assert case.resolution == "非常抱歉，我们将免费巡检一次。"
    restore = case.sla_clocks.get(target="restore")
    assert restore.met_at is not None
    public = CaseEvent.objects.filter(case=case, is_public=True, field__startswith="compensation")
    assert public.count() == 1  # the approval, not the request


def test_compensation_requires_the_company_at_fault(make_complaint, agent, supervisor):
    complaint = make_complaint()
    with pytest.raises(Conflict):
        services.complaint_compensation_request(
            complaint=complaint, by=agent, kind="gift", amount="10"
        )
    services.complaint_conclude(
        complaint=complaint, by=supervisor, at_fault=False, root_cause="客户误解"
    )
    with pytest.raises(Conflict):
        services.complaint_compensation_request(
            complaint=complaint, by=agent, kind="gift", amount="10"
        )
    complaint.refresh_from_db()
    assert complaint.compensation_state == "none"


def test_refused_compensation_may_be_proposed_again(make_complaint, agent, supervisor):
    complaint = make_complaint()
    services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=True, root_cause="x")
    services.complaint_compensation_request(
        complaint=complaint, by=agent, kind="refund", amount="900"
    )
    complaint = services.complaint_compensation_decide(
        complaint=complaint, by=supervisor, approve=False, note="金额过高"
    )
    assert complaint.compensation_state == "rejected"
    with pytest.raises(InvalidTransition):
        services.complaint_compensation_decide(complaint=complaint, by=supervisor, approve=True)
    complaint = services.complaint_compensation_request(
        complaint=complaint, by=agent, kind="credit_note", amount="300"
    )
    assert complaint.compensation_state == "requested"
    # Once compensation was asked for, the outcome can no longer become "not at fault".
    with pytest.raises(Conflict):
        services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=False)


@pytest.mark.parametrize("amount", ["-0.01", "1.005", "x", "Infinity"])
def test_compensation_amounts(make_complaint, agent, supervisor, amount):
    complaint = make_complaint()
    services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=True, root_cause="x")
    with pytest.raises(ValidationFailed):
        services.complaint_compensation_request(
            complaint=complaint, by=agent, kind="refund", amount=amount
        )


def test_zero_compensation_is_allowed(make_complaint, agent, supervisor):
    complaint = make_complaint()
    services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=True, root_cause="x")
    complaint = services.complaint_compensation_request(
        complaint=complaint, by=agent, kind="gift", amount="0"
    )
    assert complaint.compensation_amount == Decimal("0.00")


@pytest.mark.parametrize("role", ["agent", "engineer", "parts_clerk"])
def test_only_supervisors_conclude_and_approve(make_complaint, make_user, supervisor, agent, role):
    user = agent if role == "agent" else make_user(role, username=f"u-{role}")
    complaint = make_complaint()
    with pytest.raises(NotAllowed):
        services.complaint_conclude(complaint=complaint, by=user, at_fault=True, root_cause="x")
    services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=True, root_cause="x")
    if role == "agent":
        services.complaint_compensation_request(
            complaint=complaint, by=agent, kind="refund", amount="1"
        )
    else:
        services.complaint_compensation_request(
            complaint=complaint, by=supervisor, kind="refund", amount="1"
        )
    with pytest.raises(NotAllowed):
        services.complaint_compensation_decide(complaint=complaint, by=user, approve=True)
    complaint.refresh_from_db()
    assert complaint.compensation_state == "requested"


def test_answer_needs_an_outcome_and_only_once(make_complaint, agent, supervisor):
    complaint = make_complaint()
    with pytest.raises(Conflict):
        services.complaint_answer(complaint=complaint, by=agent, answer="x")
    services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=False, root_cause="y")
    with pytest.raises(ValidationFailed):
        services.complaint_answer(complaint=complaint, by=agent, answer="  ")
    services.complaint_answer(complaint=complaint, by=agent, answer="经核实，工程师按时到场。")
    with pytest.raises(Conflict):
        services.complaint_answer(complaint=complaint, by=agent, answer="again")
    with pytest.raises(Conflict):
        services.complaint_investigate(complaint=complaint, by=agent, notes="late")


def test_customers_cannot_work_complaints(make_complaint, contact_user):
    complaint = make_complaint()
    with pytest.raises(NotAllowed):
        services.complaint_investigate(complaint=complaint, by=contact_user, notes="x")
    with pytest.raises(NotAllowed):
        services.complaint_answer(complaint=complaint, by=contact_user, answer="x")


def test_details_recorded_for_a_complaint_case_opened_without_them(make_case, agent, engineer):
    case = make_case(case_type="complaint", summary="投诉")
    complaint = services.complaint_attach(
        case=case, by=agent, subject_kind="person", person=engineer
    )
    assert (complaint.person, complaint.complained_at) == (engineer, case.reported_at)
    with pytest.raises(Conflict):
        services.complaint_attach(case=case, by=agent, subject_kind="service")
    with pytest.raises(Conflict):
        services.complaint_attach(case=make_case(), by=agent, subject_kind="service")
