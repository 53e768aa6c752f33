"""Portal request page and panel; console panel with the next step's forms."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.cases.models import Attachment
from aftersales.returns.models import ReturnRequest


def test_customer_requests_a_return_with_a_photo(client, contact_user, unit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(contact_user)
    page = client.get("/returns/new/?asset=RT-0001").content.decode()
    assert "RT-0001" in page
    response = client.post(
        "/returns/new/",
        {
            "kind": "exchange",
            "reason": "quality",
            "asset": "RT-0001",
            "description": "开机黑屏",
            "files": [SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff jpeg")],
        },
    )
    rr = ReturnRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/cases/{rr.case.number}/"
    assert Attachment.objects.filter(case=rr.case, name="broken.jpg").exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-panel="return"' in page
    assert "2026-12-05" in page  # the exchange window's last day, in the explanation


def test_order_line_form_needs_reference_and_product(client, contact_user, unit):
    client.force_login(contact_user)
    response = client.post(
        "/returns/new/", {"kind": "return", "reason": "quality", "description": "x"}
    )
    assert response.status_code == 200
    assert not ReturnRequest.objects.exists()
    assert "order_reference" in response.context["form"].errors


def test_staff_are_sent_to_the_console_from_the_request_page(client, agent):
    client.force_login(agent)
    assert client.get("/returns/new/")["Location"] == "/console/"


def test_console_panel_offers_approval_to_supervisors_only(client, make_return, supervisor, agent):
    number = make_return().case.number
    client.force_login(agent)
    page = client.get(f"/console/cases/{number}/").content.decode()
    assert 'data-panel="return"' in page
    assert 'data-return-step="approved"' not in page
    client.force_login(supervisor)
    page = client.get(f"/console/cases/{number}/").content.decode()
    assert 'data-return-step="approved"' in page
    assert 'data-return-step="override"' in page


def test_supervisor_approves_from_the_panel_and_the_customer_sees_the_rma(
    client, make_return, supervisor, contact_user
):
    number = make_return().case.number
    client.force_login(supervisor)
    response = client.post(f"/returns/cases/{number}/approved/", {"return-approved-note": ""})
    assert response["Location"] == f"/console/cases/{number}/"
    assert ReturnRequest.objects.get().rma_number == "RMA-20261125-0001"
    client.force_login(contact_user)
    page = client.get(f"/portal/cases/{number}/").content.decode()
    assert "RMA-20261125-0001" in page


def test_refused_step_shows_the_reason_and_changes_nothing(client, make_return, agent):
    number = make_return().case.number
    client.force_login(agent)
    response = client.post(
        f"/returns/cases/{number}/received/",
        {"return-received-received_on": "2026-11-25"},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    assert ReturnRequest.objects.get().step == "requested"


def test_customers_cannot_post_steps(client, make_return, contact_user):
    number = make_return().case.number
    client.force_login(contact_user)
    response = client.post(f"/returns/cases/{number}/approved/", {})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert ReturnRequest.objects.get().step == "requested"


def test_other_case_types_get_no_panel(client, make_case, agent):
    case = make_case()
    client.force_login(agent)
    assert (
        'data-panel="return"' not in client.get(f"/console/cases/{case.number}/").content.decode()
    )


def test_console_records_details_of_a_return_case_opened_without_them(
    client, make_case, agent, unit
):
    case = make_case(case_type="return_exchange", asset=unit)
    client.force_login(agent)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'data-panel="return-details"' in page
    response = client.post(
        f"/returns/cases/{case.number}/details/",
        {
            "return-details-kind": "exchange",
            "return-details-reason": "quality",
            "return-details-quantity": "1",
        },
    )
    assert response["Location"] == f"/console/cases/{case.number}/"
    rr = ReturnRequest.objects.get(case=case)
    assert (rr.kind, rr.asset) == ("exchange", unit)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'data-panel="return"' in page
