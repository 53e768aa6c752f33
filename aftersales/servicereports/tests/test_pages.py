"""The pages: from the finished visit to a draft, the signature pad, the report with its PDF
and addenda; the case-page panels; the admin is read-only."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override

from aftersales.servicereports.models import ServiceReport
from aftersales.servicereports.tests.conftest import drawn_signature

pytestmark = pytest.mark.usefixtures("frozen")


def management(total, initial=0):
    return {
        "parts-TOTAL_FORMS": str(total),
        "parts-INITIAL_FORMS": str(initial),
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "50",
    }


def test_engineer_writes_the_report_and_the_customer_signs_on_the_phone(
    client, visit, contact_user, other_contact_user, signature
):
    client.force_login(visit.engineer)
    page = client.get(f"/field/visits/{visit.pk}/").content.decode()
    assert f'href="/reports/visits/{visit.pk}/new/"' in page

    form = client.get(f"/reports/visits/{visit.pk}/new/").content.decode()
    assert "更换光模块并重新插拔跳线，观察两小时无掉线" in form  # prefilled from the visit
    assert 'value="SFP-NEW-9"' in form
    response = client.post(
        f"/reports/visits/{visit.pk}/new/",
        {
            "report-problem": "CT 机房核心交换机端口掉线",
            "report-diagnosis": "光模块老化",
            "report-solution": "更换光模块",
            "report-repair_process": "更换光模块并重新插拔跳线",
            "report-test_results": "复测两小时无掉线",
            **management(2),
            "parts-0-part": "光模块 SFP-10G",
            "parts-0-serial_out": "SFP-OLD-1",
            "parts-0-serial_in": "SFP-NEW-9",
            "parts-1-part": "",
        },
    )
    report = ServiceReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/sign/"
    assert report.parts == [
        {"part": "光模块 SFP-10G", "serial_out": "SFP-OLD-1", "serial_in": "SFP-NEW-9"}
    ]
    # The visit now leads to its report.
    assert client.get(f"/reports/visits/{visit.pk}/new/")["Location"] == f"/reports/{report.pk}/"

    pad = client.get(f"/reports/{report.pk}/sign/").content.decode()
    assert 'id="signature-pad"' in pad
    assert 'value="王主任"' in pad  # the case contact's name is suggested
    # A blank pad is refused with a message; nothing is signed.
    response = client.post(
        f"/reports/{report.pk}/sign/",
        {"sign-signer_name": "王主任", "sign-signature": drawn_signature(blank=True)},
        follow=True,
    )
    with override("zh-hans"):
        refused = gettext("The signature is blank: ask the customer to sign in the box.")
    assert refused in response.content.decode()
    assert ServiceReport.objects.get().status == "draft"
    response = client.post(
        f"/reports/{report.pk}/sign/",
        {"sign-signer_name": "王主任", "sign-signature": signature},
    )
    assert response["Location"] == f"/reports/{report.pk}/"
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'data-report-status="signed"' in page
    assert f'href="/reports/{report.pk}/pdf/"' in page
    assert client.get(f"/reports/{report.pk}/signature.png")["Content-Type"] == "image/png"
    # Signed: the edit page refuses, addenda are appended.
    assert client.get(f"/reports/{report.pk}/edit/")["Location"] == f"/reports/{report.pk}/"
    client.post(f"/reports/{report.pk}/addenda/", {"addendum-text": "补充：已告知客户备件保修期"})
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "补充：已告知客户备件保修期" in page
    pdf = client.get(f"/reports/{report.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"

    # Case pages: staff panel, and the customer's portal with the PDF; others get 404.
    console = client.get(f"/console/cases/{visit.case.number}/").content.decode()
    assert 'id="service-reports"' in console
    assert f'href="/reports/{report.pk}/"' in console
    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{visit.case.number}/").content.decode()
    assert f'href="/reports/{report.pk}/pdf/"' in portal
    response = client.get(f"/reports/{report.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/reports/{report.pk}/").status_code == 302  # staff page: to the portal
    client.force_login(other_contact_user)
    assert client.get(f"/reports/{report.pk}/pdf/").status_code == 404


def test_customers_do_not_see_drafts(client, visit, contact_user):
    client.force_login(visit.engineer)
    client.post(
        f"/reports/visits/{visit.pk}/new/",
        {"report-problem": "p", "report-solution": "s", **management(0)},
    )
    report = ServiceReport.objects.get()
    client.force_login(contact_user)
    portal = client.get(f"/portal/cases/{visit.case.number}/").content.decode()
    assert 'id="service-reports"' not in portal
    assert client.get(f"/reports/{report.pk}/pdf/").status_code == 404


def test_admin_is_read_only(client, admin_user, visit, signature):
    from aftersales.servicereports import services

    report = services.report_create(case=visit.case, visit=visit, by=visit.engineer, solution="s")
    services.report_sign(report=report, by=visit.engineer, signer_name="王", signature=signature)
    client.force_login(admin_user)
    assert client.get("/admin/servicereports/servicereport/").status_code == 200
    page = client.get(f"/admin/servicereports/servicereport/{report.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/servicereports/servicereport/add/").status_code == 403
    response = client.post(
        f"/admin/servicereports/servicereport/{report.pk}/change/", {"solution": "改写"}
    )
    assert response.status_code == 403
    assert ServiceReport.objects.get().solution == "s"
