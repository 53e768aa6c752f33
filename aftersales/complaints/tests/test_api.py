"""The complaints API: file, read, list, the steps; what customers see."""

from __future__ import annotations

from aftersales.complaints.models import Complaint


def test_customer_files_a_complaint_for_their_organisation(client_for, contact_user):
    response = client_for(contact_user).post(
        "/api/v1/complaints/",
        {"subject_kind": "person", "summary": "客服态度差", "description": "姓王的客服挂断电话"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["customer"], body["subject_kind"], body["case_status"]) == (
        "ACME",
        "person",
        "new",
    )
    assert "person" not in body
    assert "investigation_notes" not in body
    assert Complaint.objects.get().case.channel == "web"


def test_staff_file_a_complaint_about_a_person(client_for, agent, engineer, customer):
    response = client_for(agent).post(
        "/api/v1/complaints/",
        {
            "customer": "ACME",
            "subject_kind": "person",
            "person": "engineer",
            "summary": "工程师未带备件",
            "channel": "phone",
        },
    )
    assert response.status_code == 201
    assert response.json()["person"] == "engineer"


def test_bad_input_is_400(client_for, agent, customer):
    client = client_for(agent)
    assert (
        client.post("/api/v1/complaints/", {"subject_kind": "service", "summary": "x"}).status_code
        == 400
    )
    response = client.post(
        "/api/v1/complaints/", {"customer": "ACME", "subject_kind": "weather", "summary": "x"}
    )
    assert response.status_code == 400
    response = client.post(
        "/api/v1/complaints/",
        {"customer": "ACME", "subject_kind": "service", "summary": "x", "person": "engineer"},
    )
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_full_path_and_what_the_customer_sees(
    client_for, make_complaint, agent, supervisor, contact_user
):
    number = make_complaint().case.number
    url = f"/api/v1/complaints/{number}"
    staff, boss, customer = client_for(agent), client_for(supervisor), client_for(contact_user)
    assert staff.post(f"{url}/investigate/", {"notes": "查派工单"}).status_code == 200
    assert staff.post(f"{url}/conclude/", {"at_fault": True, "root_cause": "x"}).status_code == 403
    assert (
        boss.post(f"{url}/conclude/", {"at_fault": True, "root_cause": "排班冲突"}).status_code
        == 200
    )
    response = staff.post(f"{url}/compensation/", {"kind": "credit_note", "amount": "200.00"})
    assert response.status_code == 200
    seen = customer.get(f"{url}/").json()
    assert (seen["compensation_state"], seen["compensation_amount"]) == (None, None)
    assert staff.post(f"{url}/compensation-decision/", {"approve": True}).status_code == 403
    response = boss.post(f"{url}/compensation-decision/", {"approve": True})
    assert response.status_code == 200
    assert response.json()["compensation_approved_by"] == "supervisor"
    response = staff.post(f"{url}/answer/", {"answer": "致歉并赠送 200 元服务抵用券"})
    assert response.status_code == 200
    assert response.json()["case_status"] == "resolved"
    seen = customer.get(f"{url}/").json()
    assert seen["answer"] == "致歉并赠送 200 元服务抵用券"
    assert (seen["compensation_state"], seen["compensation_kind"], seen["compensation_amount"]) == (
        "approved",
        "credit_note",
        "200.00",
    )
    assert "investigation_notes" not in seen
    assert "root_cause" not in seen


def test_compensation_without_fault_is_409(client_for, make_complaint, agent):
    number = make_complaint().case.number
    response = client_for(agent).post(
        f"/api/v1/complaints/{number}/compensation/", {"kind": "gift", "amount": "1"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_at_fault"


def test_negative_amount_is_400(client_for, make_complaint, supervisor):
    number = make_complaint().case.number
    client = client_for(supervisor)
    client.post(f"/api/v1/complaints/{number}/conclude/", {"at_fault": True, "root_cause": "x"})
    response = client.post(
        f"/api/v1/complaints/{number}/compensation/", {"kind": "gift", "amount": "-1"}
    )
    assert response.status_code == 400


def test_other_organisation_gets_404(client_for, make_complaint, other_contact_user, contact_user):
    number = make_complaint().case.number
    other = client_for(other_contact_user)
    assert other.get(f"/api/v1/complaints/{number}/").status_code == 404
    assert other.get("/api/v1/complaints/").json()["results"] == []
    assert [
        r["case"] for r in client_for(contact_user).get("/api/v1/complaints/").json()["results"]
    ] == [number]


def test_list_filters(client_for, make_complaint, engineer, supervisor, agent):
    about = make_complaint(subject_kind="person", person=engineer)
    make_complaint()
    client_for(supervisor).post(
        f"/api/v1/complaints/{about.case.number}/conclude/", {"at_fault": True, "root_cause": "x"}
    )
    client = client_for(agent)
    rows = client.get("/api/v1/complaints/?person=engineer").json()["results"]
    assert [r["case"] for r in rows] == [about.case.number]
    rows = client.get("/api/v1/complaints/?outcome=pending").json()["results"]
    assert len(rows) == 1
    assert rows[0]["case"] != about.case.number
