"""Portal complaint page and panel; console panel forms by role."""

from __future__ import annotations

from aftersales.complaints import services
from aftersales.complaints.models import Complaint


def test_customer_files_a_complaint_and_sees_the_deadline(client, contact_user):
    client.force_login(contact_user)
    assert client.get("/complaints/new/").status_code == 200
    response = client.post(
        "/complaints/new/",
        {"subject_kind": "service", "summary": "维修拖延", "description": "两周未修好"},
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == f"/portal/cases/{complaint.case.number}/"
    page = response.content.decode()
    assert 'data-panel="complaint"' in page
    messages = " ".join(str(m) for m in response.context["messages"])
    assert complaint.case.number in messages


def test_console_panel_forms_by_role(client, make_complaint, agent, supervisor):
    number = make_complaint().case.number
    client.force_login(agent)
    page = client.get(f"/console/cases/{number}/").content.decode()
    assert 'data-complaint-step="investigate"' in page
    assert 'data-complaint-step="conclude"' not in page
    assert "data-deadline" in page
    client.force_login(supervisor)
    page = client.get(f"/console/cases/{number}/").content.decode()
    assert 'data-complaint-step="conclude"' in page


def test_steps_from_the_console(client, make_complaint, agent, supervisor, contact_user):
    complaint = make_complaint()
    number = complaint.case.number
    client.force_login(supervisor)
    client.post(
        f"/complaints/cases/{number}/conclude/",
        {"complaint-conclude-at_fault": "1", "complaint-conclude-root_cause": "备件发错"},
    )
    client.post(
        f"/complaints/cases/{number}/compensation/",
        {"complaint-compensation-kind": "refund", "complaint-compensation-amount": "150.5"},
    )
    page = client.get(f"/console/cases/{number}/").content.decode()
    assert 'data-complaint-step="compensation-decision"' in page
    assert 'data-complaint-step="answer"' not in page
    client.post(
        f"/complaints/cases/{number}/compensation-decision/",
        {"complaint-compensation-decision-approve": "1"},
    )
    response = client.post(
        f"/complaints/cases/{number}/answer/", {"complaint-answer-answer": "已退款 150.50 元"}
    )
    assert response["Location"] == f"/console/cases/{number}/"
    complaint.refresh_from_db()
    assert (complaint.outcome, complaint.compensation_state) == ("upheld", "approved")
    assert complaint.answer == "已退款 150.50 元"
    client.force_login(contact_user)
    page = client.get(f"/portal/cases/{number}/").content.decode()
    assert "已退款 150.50 元" in page
    assert "150.50" in page


def test_agent_cannot_conclude_through_the_page(client, make_complaint, agent):
    complaint = make_complaint()
    client.force_login(agent)
    response = client.post(
        f"/complaints/cases/{complaint.case.number}/conclude/",
        {"complaint-conclude-at_fault": "1", "complaint-conclude-root_cause": "x"},
        follow=True,
    )
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.outcome == "pending"


def test_compensation_hidden_from_the_portal_until_approved(
    client, make_complaint, supervisor, contact_user
):
    complaint = make_complaint()
    services.complaint_conclude(complaint=complaint, by=supervisor, at_fault=True, root_cause="x")
    services.complaint_compensation_request(
        complaint=complaint, by=supervisor, kind="gift", amount="777.00"
    )
    client.force_login(contact_user)
    assert "777.00" not in client.get(f"/portal/cases/{complaint.case.number}/").content.decode()


def test_console_records_details_of_a_complaint_case_opened_without_them(client, make_case, agent):
    case = make_case(case_type="complaint", summary="投诉服务")
    client.force_login(agent)
    assert (
        'data-panel="complaint-details"'
        in client.get(f"/console/cases/{case.number}/").content.decode()
    )
    client.post(
        f"/complaints/cases/{case.number}/details/", {"complaint-details-subject_kind": "service"}
    )
    assert Complaint.objects.get(case=case).subject_kind == "service"
    assert 'data-panel="complaint"' in client.get(f"/console/cases/{case.number}/").content.decode()
