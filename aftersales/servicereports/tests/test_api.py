"""The API: drafts, edits, signing, addenda, the PDF; permissions and clean 400/404/409."""

from __future__ import annotations

import pytest

from aftersales.cases.models import CaseEvent
from aftersales.servicereports.models import ServiceReport
from aftersales.servicereports.tests.conftest import drawn_signature

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def staff(client_for, visit):
    return client_for(visit.engineer)


def url(number):
    return f"/api/v1/cases/{number}/reports/"


def draft(staff, visit, **fields):
    response = staff.post(url(visit.case.number), {"visit": visit.pk, **fields}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_staff_drafts_edits_signs_and_adds_an_addendum(staff, visit, signature):
    body = draft(staff, visit, diagnosis="光模块老化")
    assert body["status"] == "draft"
    assert body["parts"][0]["serial_in"] == "SFP-NEW-9"
    assert body["pdf_url"] is None
    rid = body["id"]
    response = staff.patch(
        f"/api/v1/reports/{rid}/",
        {"solution": "更换光模块", "parts": [{"part": "跳线", "serial_in": "LC-1"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["parts"] == [{"part": "跳线", "serial_out": "", "serial_in": "LC-1"}]
    assert staff.get(f"/api/v1/reports/{rid}/pdf/").status_code == 404  # a draft has no PDF

    response = staff.post(
        f"/api/v1/reports/{rid}/sign/",
        {"signer_name": "王主任", "signature": signature},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "signed"
    pdf = staff.get(response.json()["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    # Signed: edits and a second signature are 409, nothing changes.
    response = staff.patch(f"/api/v1/reports/{rid}/", {"solution": "改写"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "report_signed"
    response = staff.post(
        f"/api/v1/reports/{rid}/sign/",
        {"signer_name": "别人", "signature": signature},
        format="json",
    )
    assert response.status_code == 409
    report = ServiceReport.objects.get(pk=rid)
    assert (report.solution, report.signer_name) == ("更换光模块", "王主任")

    response = staff.post(f"/api/v1/reports/{rid}/addenda/", {"text": "补充：复测正常"})
    assert response.status_code == 201
    body = staff.get(url(visit.case.number)).json()
    assert [a["text"] for a in body[0]["addenda"]] == ["补充：复测正常"]


def test_bad_input_is_400_and_changes_nothing(staff, visit, signature):
    events = CaseEvent.objects.count()
    response = staff.post(url(visit.case.number), {"visit": 999999}, format="json")
    assert response.status_code == 400
    assert "visit" in response.json()
    response = staff.post(url(visit.case.number), {"bogus": "x"}, format="json")
    assert response.status_code == 400
    assert "bogus" in response.json()
    response = staff.post(url(visit.case.number), {"parts": "光模块"}, format="json")
    assert response.status_code == 400
    assert not ServiceReport.objects.exists()
    assert CaseEvent.objects.count() == events

    rid = draft(staff, visit, solution="更换光模块")["id"]
    for payload, field in [
        ({"signer_name": "王主任"}, "signature"),
        ({"signer_name": "", "signature": signature}, "signer_name"),
        ({"signer_name": "王主任", "signature": "data:text/plain;base64,aGk="}, "signature"),
        ({"signer_name": "王主任", "signature": drawn_signature(blank=True)}, "signature"),
        ({"signer_name": "王主任", "signature": signature, "signer_email": "x@"}, "signer_email"),
    ]:
        response = staff.post(f"/api/v1/reports/{rid}/sign/", payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.json(), response.json()
    assert ServiceReport.objects.get(pk=rid).status == "draft"
    response = staff.post(f"/api/v1/reports/{rid}/addenda/", {"text": "补充"})
    assert response.status_code == 409  # a draft is edited, not amended
    assert staff.patch(f"/api/v1/reports/{rid}/", [1, 2], format="json").status_code == 400


def test_customers_see_signed_reports_of_their_own_organisation_only(
    client_for, staff, visit, signature, contact_user, other_contact_user
):
    rid = draft(staff, visit, solution="更换光模块")["id"]
    mine, other = client_for(contact_user), client_for(other_contact_user)
    # A draft is not shown to the customer.
    assert mine.get(url(visit.case.number)).json() == []
    assert mine.get(f"/api/v1/reports/{rid}/").status_code == 404
    # Customers may not draft, edit or amend.
    assert mine.post(url(visit.case.number), {}, format="json").status_code == 403
    staff.post(
        f"/api/v1/reports/{rid}/sign/",
        {"signer_name": "王主任", "signature": signature},
        format="json",
    )
    assert [r["id"] for r in mine.get(url(visit.case.number)).json()] == [rid]
    response = mine.get(f"/api/v1/reports/{rid}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert mine.post(f"/api/v1/reports/{rid}/addenda/", {"text": "x"}).status_code == 403
    # Another organisation: 404 everywhere.
    assert other.get(url(visit.case.number)).status_code == 404
    assert other.get(f"/api/v1/reports/{rid}/").status_code == 404
    assert other.get(f"/api/v1/reports/{rid}/pdf/").status_code == 404
    assert other.post(f"/api/v1/reports/{rid}/addenda/", {"text": "x"}).status_code == 404


def test_anonymous_is_refused(api_client, visit):
    assert api_client.get(url(visit.case.number)).status_code in (401, 403)
