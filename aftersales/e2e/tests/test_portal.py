"""Browser checks of the customer portal: isolation between organisations, the C-1 form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_organisations_case_is_a_404_page(
    open_browser, sign_in, photo, agent, contact_user, other_customer, make_case
):
    from aftersales.cases.services import attachment_add

    # given: a case of ours and one of another organisation, with a photo
    ours = make_case(summary="我方打印机卡纸")
    theirs = make_case(customer=other_customer, severity="C-1", summary="地铁信号系统中断")
    their_photo = attachment_add(
        case=theirs, by=agent, upload=SimpleUploadedFile("signal.png", photo)
    )
    portal = open_browser("zh-CN")
    sign_in(portal, contact_user)
    expect(portal.locator("main tbody td.num")).to_have_text([ours.number])

    # when
    response = portal.goto(f"/portal/cases/{theirs.number}/")

    # then: a plain 404, nothing of their case shown; their file is not served either
    assert response is not None
    assert response.status == 404
    expect(portal.locator("h1")).to_have_text("未找到")  # our 404 page, in the reader's language
    expect(portal.locator("body")).not_to_contain_text(theirs.summary)
    expect(portal.locator("body")).not_to_contain_text(theirs.number)
    assert portal.request.get(f"/files/{their_photo.pk}/").status == 404
    response = portal.goto(f"/portal/cases/{ours.number}/")
    assert response is not None
    assert response.status == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_c1_confirmation_shows_only_for_c1(open_browser, sign_in, contact_user, asset):
    # given
    portal = open_browser("en-US")
    sign_in(portal, contact_user)
    portal.goto("/portal/requests/new/")
    box = portal.locator("[data-c1-confirm]")
    expect(portal.locator("#id_severity")).to_have_value("C-3")

    # then: nothing to confirm for a C-3 request ...
    assert box.is_hidden()
    # ... the box appears for C-1 and goes again for C-2
    portal.locator("#id_severity").select_option("C-1")
    expect(box).to_be_visible()
    expect(portal.locator("#id_confirm_c1")).to_have_attribute("required", "")
    portal.locator("#id_severity").select_option("C-2")
    assert box.is_hidden()
    assert portal.locator("#id_confirm_c1").evaluate("el => el.required") is False
