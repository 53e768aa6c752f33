"""A field engineer on a phone: opens the visit, sets off, arrives, leaves with the work done,
writes the service report, the customer signs on the phone's screen (touch and mouse strokes on
the canvas), and the PDF downloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from aftersales.e2e.conftest import TIMEOUT_MS, arrived

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


@pytest.fixture
def open_phone(new_context: Callable[..., Any], live_server: Any) -> Callable[[], Page]:
    """A phone-sized browser context (its own cookies: one person)."""

    def open_() -> Page:
        context = new_context(**PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_


def touch_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """Draw with a finger: real touch events through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    x, y = points[0]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in points[1:]:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def submit(page: Page, selector: str) -> None:
    """Press a button that posts its form, once the page it is on has finished loading, and
    wait for the page the post leads to (a press lost while the page still loads fails here,
    not several lines later)."""
    page.wait_for_load_state("load")
    with page.expect_navigation(wait_until="load"):
        page.locator(selector).click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_engineer_checks_in_writes_the_report_and_the_customer_signs(
    open_phone, sign_in, screenshot, make_user, agent, customer, unit
):
    from aftersales.cases.services import case_create
    from aftersales.customers.models import Contact
    from aftersales.dispatch.models import EngineerProfile, Visit
    from aftersales.dispatch.services import case_dispatch
    from aftersales.servicereports.models import ServiceReport

    engineer = make_user("engineer", username="eng_zhao", first_name="强", last_name="赵")
    EngineerProfile.objects.create(user=engineer, home_region=customer.region)
    contact = Contact.objects.create(customer=customer, name="周主任", email="zhou@example.cn")
    case = case_create(
        by=agent,
        customer=customer,
        case_type="fault",
        channel="phone",
        severity="C-2",
        summary="手术室核心交换机端口掉线",
        asset=unit,
        contact=contact,
    )
    visit = case_dispatch(case=case, engineer=engineer, by=agent)

    phone = open_phone()
    sign_in(phone, engineer)
    phone.goto("/field/")
    phone.locator(f'a[data-visit="{visit.pk}"]').click()
    arrived(phone, re.compile(rf"/field/visits/{visit.pk}/$"))
    submit(phone, "#btn-travel")
    expect(phone.locator("[data-visit-status]")).to_have_attribute(
        "data-visit-status", "travelling"
    )
    submit(phone, "#btn-arrive")
    expect(phone.locator("[data-visit-status]")).to_have_attribute("data-visit-status", "on_site")
    phone.locator("#id_depart-work_performed").fill("更换电源模块，重新插拔光模块")
    phone.locator("#id_depart-part").fill("电源模块")
    phone.locator("#id_depart-serial_out").fill("PSU-OLD-7")
    phone.locator("#id_depart-serial_in").fill("PSU-NEW-8")
    submit(phone, "#btn-depart")
    expect(phone.locator("[data-visit-status]")).to_have_attribute("data-visit-status", "done")
    assert Visit.objects.get(pk=visit.pk).status == "done"

    # The report form is prefilled from the visit.
    phone.locator("#btn-write-report").click()
    arrived(phone, re.compile(rf"/reports/visits/{visit.pk}/new/$"))
    expect(phone.locator("#id_report-repair_process")).to_have_value("更换电源模块，重新插拔光模块")
    expect(phone.locator("#id_parts-0-serial_in")).to_have_value("PSU-NEW-8")
    phone.locator("#id_report-diagnosis").fill("电源模块电容鼓包")
    phone.locator("#id_report-solution").fill("更换电源模块")
    phone.locator("#id_report-test_results").fill("满载运行一小时，端口无掉线")
    screenshot(phone, "report-form")
    phone.locator("#btn-save-report").click()
    arrived(phone, re.compile(r"/reports/\d+/sign/$"))
    report = ServiceReport.objects.get(case=case)
    assert report.status == "draft"
    assert report.parts == [
        {"part": "电源模块", "serial_out": "PSU-OLD-7", "serial_in": "PSU-NEW-8"}
    ]

    # The customer signs on the phone: an unsigned pad is refused in the page ...
    expect(phone.locator("#id_sign-signer_name")).to_have_value("周主任")
    phone.locator("#btn-sign").click()
    expect(phone.locator("#signature-empty")).to_be_visible()
    assert ServiceReport.objects.get(pk=report.pk).status == "draft"
    # ... then a finger stroke and a mouse stroke on the canvas.
    pad = phone.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    touch_stroke(
        phone,
        [
            (x0 + w * f, y0 + h * (0.3 + 0.4 * ((i % 2) == 0)))
            for i, f in enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        ],
    )
    phone.mouse.move(x0 + w * 0.55, y0 + h * 0.7)
    phone.mouse.down()
    for i in range(1, 12):
        phone.mouse.move(x0 + w * (0.55 + 0.03 * i), y0 + h * (0.7 - 0.04 * i), steps=2)
    phone.mouse.up()
    expect(phone.locator("#signature-empty")).to_be_hidden()
    screenshot(phone, "signature")
    phone.locator("#btn-sign").click()
    expect(phone.locator("#report")).to_have_attribute("data-report-status", "signed")
    report = ServiceReport.objects.get(pk=report.pk)
    assert report.status == "signed"
    assert report.signer_name == "周主任"
    screenshot(phone, "signed")

    # The PDF link works.
    href = phone.locator("#report-pdf").get_attribute("href")
    response = phone.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
