"""Server-side tests of the customer portal: isolation, requests, following a case."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.cases.models import Attachment, Case
from aftersales.cases.services import attachment_add, case_transition
from aftersales.surveys.models import Rating

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def portal(client, contact_user):
    client.force_login(contact_user)
    return client


def test_staff_are_sent_to_the_console(client, agent):
    client.force_login(agent)
    assert client.get("/portal/")["Location"] == "/console/"


def test_home_lists_only_our_cases(portal, make_case, other_customer):
    ours = make_case()
    theirs = make_case(customer=other_customer)
    html = portal.get("/portal/").content.decode()
    assert ours.number in html
    assert theirs.number not in html


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", {}),
        ("post", "reply/", {"body": "hi"}),
        ("post", "confirm/", {}),
        ("post", "reopen/", {"reason": "x"}),
        ("post", "escalate/", {"reason": "x"}),
        ("post", "rating/", {"score": "5"}),
    ],
)
def test_another_organisations_case_answers_404_and_nothing_changes(
    portal, make_case, other_customer, method, suffix, data
):
    theirs = make_case(customer=other_customer, severity="C-1")
    response = getattr(portal, method)(f"/portal/cases/{theirs.number}/{suffix}", data)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"
    assert theirs.comments.count() == 0
    assert Rating.objects.count() == 0


def test_files_of_another_organisation_or_internal_answer_404(
    portal, make_case, other_customer, agent
):
    ours = make_case()
    theirs = make_case(customer=other_customer)
    public = attachment_add(case=ours, by=agent, upload=SimpleUploadedFile("a.png", PNG))
    internal = attachment_add(
        case=ours, by=agent, upload=SimpleUploadedFile("b.log", b"x"), public=False
    )
    foreign = attachment_add(case=theirs, by=agent, upload=SimpleUploadedFile("c.png", PNG))
    assert portal.get(f"/files/{public.pk}/").status_code == 200
    assert portal.get(f"/files/{internal.pk}/").status_code == 404
    assert portal.get(f"/files/{foreign.pk}/").status_code == 404
    assert portal.get("/files/999999/").status_code == 404


def test_c1_request_needs_the_confirmation(portal, asset):
    data = {
        "asset": asset.serial_number,
        "case_type": "fault",
        "severity": "C-1",
        "summary": "全院网络中断",
        "description": "核心交换机无响应",
    }
    refused = portal.post("/portal/requests/new/", data)
    assert refused.status_code == 200
    assert "confirm_c1" in refused.context["form"].errors
    assert Case.objects.count() == 0
    data["confirm_c1"] = "on"
    data["files"] = [SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("log.txt", b"err")]
    response = portal.post("/portal/requests/new/", data, follow=True)
    case = Case.objects.get()
    assert (case.severity, case.channel, case.customer.code) == ("C-1", "web", "ACME")
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["log.txt", "现场.png"]
    message = str(list(response.context["messages"])[0])
    assert case.number in message


def test_other_organisations_assets_cannot_be_chosen(portal, other_customer):
    from aftersales.catalog.tests.factories import AssetFactory

    foreign = AssetFactory(customer=other_customer, serial_number="FOREIGN-1")
    response = portal.post(
        "/portal/requests/new/",
        {
            "asset": foreign.serial_number,
            "case_type": "fault",
            "severity": "C-3",
            "summary": "x",
            "description": "y",
        },
    )
    assert "asset" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_follow_reply_confirm_reopen_and_rate(portal, make_case, agent, contact_user):
    case = make_case()
    case_transition(case=case, to="responded", by=agent)
    case_transition(case=case, to="waiting_customer", by=agent)
    portal.post(f"/portal/cases/{case.number}/reply/", {"body": "已重启设备"})
    case.refresh_from_db()
    assert case.status == "in_progress"  # the customer's answer hands the case back
    case_transition(case=case, to="resolved", by=agent, note="已修复")
    page = portal.get(f"/portal/cases/{case.number}/")
    assert (page.context["can_confirm"], page.context["can_rate"]) == (True, True)
    portal.post(f"/portal/cases/{case.number}/reopen/", {"reason": "问题又出现了"})
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("in_progress", 1)
    case_transition(case=case, to="resolved", by=agent, note="更换模块")
    portal.post(f"/portal/cases/{case.number}/confirm/")
    portal.post(f"/portal/cases/{case.number}/rating/", {"score": "4", "comment": "响应及时"})
    case.refresh_from_db()
    assert case.status == "closed"
    assert (case.rating.score, case.rating.comment, case.rating.rated_by) == (
        4,
        "响应及时",
        contact_user,
    )


def test_portal_timeline_hides_internal_entries(portal, make_case, agent):
    from aftersales.cases.services import case_comment

    case = make_case()
    case_comment(case=case, by=agent, body="内部：怀疑光模块", public=False)
    case_comment(case=case, by=agent, body="您好，工程师已出发")
    html = portal.get(f"/portal/cases/{case.number}/").content.decode()
    assert "您好，工程师已出发" in html
    assert "怀疑光模块" not in html


def test_customer_escalates_c1_but_not_c3(portal, make_case, region, make_user):
    region.supervisor = make_user("supervisor", username="sup")
    region.save()
    c1, c3 = make_case(severity="C-1"), make_case(severity="C-3")
    assert portal.get(f"/portal/cases/{c1.number}/").context["can_escalate"] is True
    assert portal.get(f"/portal/cases/{c3.number}/").context["can_escalate"] is False
    portal.post(f"/portal/cases/{c1.number}/escalate/", {"reason": "业务中断"})
    response = portal.post(f"/portal/cases/{c3.number}/escalate/", {"reason": "急"}, follow=True)
    assert c1.escalations.count() == 1
    assert c3.escalations.count() == 0
    assert "C-1" in str(list(response.context["messages"])[-1])


def test_assets_page_shows_warranty_and_service_level(portal, asset):
    page = portal.get("/portal/assets/")
    assert [(a.serial_number, e.service_level) for a, e in page.context["assets"]] == [
        ("SN-0001", "7x24")
    ]
