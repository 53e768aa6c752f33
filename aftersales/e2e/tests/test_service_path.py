"""The whole service path in a browser, once in English and once in Chinese.

A customer reports a C-1 fault with a photo in the portal; an agent finds it at the top of the
queue, answers it, moves it on and resolves it; the customer reads the answer, confirms the
resolution and rates the service; the agent sees the rating. Two people, two browsers.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from aftersales.e2e.conftest import arrived

# The browser locale (Accept-Language) of each language of the site, and the other language.
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
OTHER = {"en": "zh-hans", "zh-hans": "en"}

# What the pages say, per language (the Chinese text is the catalogue's, locale/zh_Hans).
TEXT = {
    "en": {
        "sign_in": "Sign in",
        "new_request": "New request",
        "submit": "Submit",
        "c1_refused": "Confirm that this is a C-1 emergency, or choose a lower severity.",
        "received": r"Request {number} received\. We will respond by: .+",
        "promises": "Our promises",
        "response": "Response",
        "dashboard": "Dashboard",
        "all_cases": "All cases",
        "clocks": "Service-level clocks",
        "met": "met",
        "restore": "Service restored",
        "onsite": "Engineer on site",
        "follow_up": "Follow-up service",
        "send": "Send",
        "reply": "Reply",
        "file": "File",
        "new": "New",
        "responded": "Responded",
        "resolved": "Resolved",
        "closed": "Closed",
        "resolve": "Resolve",
        "resolution": "Resolution",
        "confirm": "Yes, confirm and close",
        "confirmed": "Thank you for confirming. The case is closed.",
        "rate": "Rate the service",
        "rated": "Thank you for your rating.",
        "your_rating": "Your rating",
        "rating": "Rating",
        "web": "Web portal",
        # What the people write.
        "summary": "Core switch down in the operating theatres",
        "details": "All ports of the core switch went dark at 07:10; the surgery wing is offline.",
        "answer": "An engineer is on the way with a spare power supply.",
        "note": "Replaced the failed power supply; all ports are up again.",
        "comment": "Fast and friendly, thank you.",
    },
    "zh-hans": {
        "sign_in": "登录",
        "new_request": "新建服务请求",
        "submit": "提交",
        "c1_refused": "请确认这是 C-1 紧急故障，或选择较低的故障等级。",
        "received": r"我们已收到您的服务请求 {number}，将在 .+ 前响应。",
        "promises": "我们的服务承诺",
        "response": "响应",
        "dashboard": "仪表板",
        "all_cases": "全部工单",
        "clocks": "服务水平计时",
        "met": "已达成",
        "restore": "服务已恢复",
        "onsite": "工程师到场",
        "follow_up": "后续服务跟进",
        "send": "发送",
        "reply": "回复",
        "file": "文件",
        "new": "已登记",
        "responded": "已响应",
        "resolved": "已解决",
        "closed": "已关闭",
        "resolve": "解决",
        "resolution": "解决方案",
        "confirm": "是的，确认解决并关闭",
        "confirmed": "感谢您的确认，工单已关闭。",
        "rate": "评价服务",
        "rated": "感谢您的评价。",
        "your_rating": "您的评价",
        "rating": "评价",
        "web": "在线门户",
        "summary": "手术室核心交换机宕机",
        "details": "核心交换机所有端口自 07:10 起全部熄灭，手术楼网络中断。",
        "answer": "工程师已携带备用电源出发，预计一小时内到场。",
        "note": "更换了故障电源，所有端口已恢复。",
        "comment": "响应迅速，服务周到。",
    },
}


def definition(page: Page, term: str) -> Locator:
    """Return the ``<dd>`` of the case header whose ``<dt>`` reads exactly ``term``."""
    dt = page.locator("dl.kv dt").filter(has_text=re.compile(rf"^\s*{re.escape(term)}\s*$"))
    return dt.locator("xpath=following-sibling::dd[1]")


def clock_row(page: Page, target: str) -> Locator:
    """Return the row of the agent's service-level clocks table for ``target``."""
    return page.locator("section[aria-labelledby=sla-h] tbody tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(rf"^{re.escape(target)}$"))
    )


def due_of(locator: Locator) -> datetime.datetime:
    """Return the instant of the ``<time datetime>`` inside ``locator``."""
    return datetime.datetime.fromisoformat(locator.locator("time").get_attribute("datetime"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_c1_request_is_answered_resolved_confirmed_and_rated(
    language,
    open_browser,
    sign_in,
    screenshot,
    photo,
    agent,
    contact_user,
    other_customer,
    unit,
    make_case,
):
    from aftersales.cases.models import Attachment, Case
    from aftersales.surveys.models import Rating

    t = TEXT[language]
    # given: quieter cases already waiting, all due later than a C-1 response (2 h on 7x24)
    waiting = [
        make_case(case_type="consultation", severity="C-3", summary="如何导出交换机配置"),
        make_case(
            customer=other_customer, case_type="consultation", severity="C-3", summary="培训咨询"
        ),
        make_case(severity="C-2"),
    ]

    # The customer's browser speaks the other language; they pick theirs in the top bar.
    portal = open_browser(LOCALES[OTHER[language]])
    sign_in(portal, contact_user, heading=TEXT[OTHER[language]]["sign_in"])
    portal.locator("#language-select").select_option(language)
    expect(portal.locator("html")).to_have_attribute("lang", language)
    arrived(portal, re.compile(r"/portal/$"))
    contact_user.refresh_from_db()
    assert contact_user.language == language

    # The customer reports a C-1 fault with a photo.
    portal.get_by_role("link", name=t["new_request"], exact=True).click()
    arrived(portal, re.compile(r"/portal/requests/new/$"))
    expect(portal.locator("main h1")).to_have_text(t["new_request"])
    portal.locator("#id_asset").select_option(unit.serial_number)
    portal.locator("#id_case_type").select_option("fault")
    confirm_box = portal.locator("[data-c1-confirm]")
    portal.locator("#id_severity").select_option("C-1")
    expect(confirm_box).to_be_visible()
    expect(portal.locator("#id_confirm_c1")).not_to_be_checked()
    portal.locator("#id_summary").fill(t["summary"])
    portal.locator("#id_description").fill(t["details"])
    screenshot(portal, "new-request")
    submit = portal.locator("main form").get_by_role("button", name=t["submit"])

    # ... and is stopped until C-1 is confirmed: by the browser, and by the server.
    submit.click()
    arrived(portal, re.compile(r"/portal/requests/new/$"))
    assert portal.locator("#id_confirm_c1").evaluate("el => el.validity.valueMissing") is True
    portal.locator("#id_confirm_c1").evaluate("el => { el.required = false; }")
    submit.click()
    expect(confirm_box.locator(".errorlist")).to_have_text(t["c1_refused"])
    expect(portal.locator("#id_severity")).to_have_value("C-1")
    assert Case.objects.count() == len(waiting)

    portal.locator("#id_confirm_c1").check()
    portal.locator("#id_files").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": photo}]
    )
    sent_at = datetime.datetime.now(datetime.UTC)
    submit.click()

    # The case page shows the number and the promised response time.
    arrived(portal, re.compile(r"/portal/cases/SR-\d{4}-\d{6}/$"))
    number = portal.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(number=number)
    assert (case.severity, case.case_type, case.channel) == ("C-1", "fault", "web")
    assert (case.asset_id, case.customer_id) == (unit.pk, contact_user.customer_id)
    response_due = next(c.due_at for c in case.sla_clocks.all() if c.target == "response")
    assert (
        datetime.timedelta(minutes=119) < response_due - sent_at < datetime.timedelta(minutes=121)
    )
    expect(portal.locator("main h1")).to_have_text(f"{number} · {t['summary']}")
    expect(portal.locator(".messages li.success")).to_have_text(
        re.compile("^" + t["received"].format(number=re.escape(number)) + "$")
    )
    expect(portal.locator("[data-status]")).to_have_attribute("data-status", "new")
    expect(portal.locator("[data-status]")).to_have_text(t["new"])
    promise = portal.locator("section", has=portal.get_by_role("heading", name=t["promises"]))
    response_line = promise.locator("li").filter(has_text=re.compile(rf"^{t['response']}:"))
    assert due_of(response_line) == response_due
    photo_link = portal.locator("li[data-kind=attached] a")
    expect(photo_link).to_have_text("photo.png")
    screenshot(portal, "case-customer")

    attachment = Attachment.objects.get(case=case)
    assert (attachment.name, attachment.size, attachment.is_public) == (
        "photo.png",
        len(photo),
        True,
    )

    # The agent, in their own browser language, finds it at the top of the queue.
    console = open_browser(LOCALES[language])
    sign_in(console, agent, heading=t["sign_in"])
    expect(console.locator("main h1")).to_have_text(t["dashboard"])
    screenshot(console, "dashboard")
    console.locator("header nav").get_by_role("link", name=t["all_cases"], exact=True).click()
    expect(console.locator("main h1")).to_have_text(t["all_cases"])
    rows = console.locator("#case-rows tbody tr[data-row-link]")
    expect(rows).to_have_count(len(waiting) + 1)
    expect(rows.first.locator("td.num")).to_have_text(number)
    expect(rows.first.locator(".badge.sev-C-1")).to_be_visible()
    screenshot(console, "case-list")

    # j selects the first row, Enter opens it.
    console.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile(r"\bselected\b"))
    console.keyboard.press("Enter")
    arrived(console, re.compile(rf"/console/cases/{number}/$"))
    expect(console.locator("main h1")).to_have_text(f"{number} · {t['summary']}")
    expect(console.locator("[data-status]")).to_have_text(t["new"])
    expect(console.locator("dl.kv").first).to_contain_text(t["web"])
    assert due_of(clock_row(console, t["response"])) == response_due

    # The photo is in the timeline, and downloading it returns the PNG.
    file_entry = console.locator("li[data-kind=attached]")
    expect(file_entry).to_contain_text(f"{t['file']}: photo.png")
    link = file_entry.locator("a")
    expect(link).to_have_attribute("href", f"/files/{attachment.pk}/")
    with console.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "photo.png"
    assert Path(download.path()).read_bytes() == photo
    screenshot(console, "case-agent")

    # The agent answers in public: the response clock is met.
    reply_form = console.locator("form[action$='/reply/']")
    reply_form.locator("textarea[name=reply-body]").fill(t["answer"])
    expect(reply_form.locator("select[name=reply-public]")).to_have_value("1")
    reply_form.get_by_role("button", name=t["send"]).click()
    answer = console.locator("li.public-reply").first
    expect(answer.locator(".body")).to_have_text(t["answer"])
    expect(answer.locator(".meta")).to_contain_text(t["reply"])
    expect(clock_row(console, t["response"]).locator("td.sla")).to_have_class(
        re.compile(r"\bsla-met\b")
    )
    expect(clock_row(console, t["response"]).locator("td.sla")).to_contain_text(t["met"])

    # ... moves it to responded, then resolves it with a note.
    console.locator("[data-transition=responded]").click()
    expect(console.locator("[data-status]")).to_have_attribute("data-status", "responded")
    expect(console.locator("[data-status]")).to_have_text(t["responded"])
    console.locator("details > summary").filter(has_text=t["resolved"]).click()
    console.locator("#resolution").fill(t["note"])
    console.get_by_role("button", name=t["resolve"], exact=True).click()
    expect(console.locator("[data-status]")).to_have_attribute("data-status", "resolved")
    expect(console.locator("[data-status]")).to_have_text(t["resolved"])

    # Resolution restores the service, makes the visit moot and starts the follow-up clock.
    expect(console.locator("section[aria-labelledby=sla-h] h2")).to_have_text(t["clocks"])
    expect(clock_row(console, t["restore"]).locator("td.sla")).to_contain_text(t["met"])
    expect(clock_row(console, t["onsite"])).to_have_count(0)
    expect(clock_row(console, t["follow_up"]).locator("td.sla")).to_have_class(
        re.compile(r"\bsla-running\b")
    )

    # The customer reads the answer and the resolution, confirms and rates.
    portal.reload()
    expect(portal.locator("[data-status]")).to_have_attribute("data-status", "resolved")
    expect(portal.locator("[data-status]")).to_have_text(t["resolved"])
    expect(portal.locator("li.public-reply .body")).to_have_text(t["answer"])
    expect(definition(portal, t["resolution"])).to_have_text(t["note"])
    screenshot(portal, "case-customer-resolved")
    portal.get_by_role("button", name=t["confirm"]).click()
    expect(portal.locator(".messages li.success")).to_have_text(t["confirmed"])
    expect(portal.locator("[data-status]")).to_have_attribute("data-status", "closed")
    expect(portal.locator("[data-status]")).to_have_text(t["closed"])
    portal.locator("input[name=score][value='5']").check()
    portal.locator("#id_comment").fill(t["comment"])
    portal.get_by_role("button", name=t["rate"]).click()
    expect(portal.locator(".messages li.success")).to_have_text(t["rated"])
    expect(definition(portal, t["your_rating"])).to_have_text(f"5/5 {t['comment']}")
    expect(portal.get_by_role("button", name=t["rate"])).to_have_count(0)
    screenshot(portal, "case-customer-rated")
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.comment, rating.rated_by_id) == (5, t["comment"], contact_user.pk)

    # The agent sees the rating.
    console.reload()
    expect(console.locator("[data-status]")).to_have_text(t["closed"])
    expect(definition(console, t["rating"])).to_have_text(f"5/5 {t['comment']}")
    rated = console.locator("li[data-kind=rated]")
    expect(rated.locator(".meta")).to_contain_text(f"{t['rating']}: 5/5")
    expect(rated.locator(".body")).to_have_text(t["comment"])
    screenshot(console, "case-agent-rated")
