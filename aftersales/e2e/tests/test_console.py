"""Browser checks of the agent console: keyboard shortcuts, stale edits, well-formed pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from aftersales.e2e.conftest import arrived

DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.keys(seen).filter((id) => seen[id] > 1).sort();
}"""


def duplicate_ids(page: Page) -> list[str]:
    return page.evaluate(DUPLICATE_IDS)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_slash_focuses_the_search_and_n_opens_a_new_case(open_browser, sign_in, agent, make_case):
    # given
    make_case(summary="打印机卡纸")
    make_case(case_type="consultation", severity="C-3", summary="如何导出配置")
    console = open_browser("en-US")
    sign_in(console, agent)
    console.goto("/console/cases/")
    search = console.locator("#global-search")
    rows = console.locator("#case-rows tbody tr[data-row-link]")
    expect(rows).to_have_count(2)

    # "/" focuses the search; typed letters then go to the field, not to the shortcuts
    console.keyboard.press("/")
    expect(search).to_be_focused()
    console.keyboard.type("n")
    expect(search).to_have_value("n")
    arrived(console, re.compile(r"/console/cases/$"))

    # j and k move through the rows
    console.locator("main h1").click()
    console.keyboard.press("j")
    console.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    console.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    expect(rows.nth(1)).not_to_have_class(re.compile(r"\bselected\b"))

    # "n" opens the new-case page, with the caller lookup focused
    console.locator("main h1").click()
    console.keyboard.press("n")
    arrived(console, re.compile(r"/console/cases/new/$"))
    expect(console.locator("main h1")).to_have_text("New case")
    expect(console.locator("#lookup")).to_be_focused()


STALE = {
    "en": (
        "en-US",
        "Severity changed; the service-level clocks were recomputed.",
        "Someone else changed this case while you were looking at it. Nothing was saved: "
        "check the changes below and try again.",
        "Save",
    ),
    "zh-hans": (
        "zh-CN",
        "故障等级已变更，服务水平计时已重新计算。",
        "您查看期间，其他人修改了此工单。本次修改未保存：请核对下方的变更后重试。",
        "保存",
    ),
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_stale_edit_is_refused_and_the_first_change_stays(
    language, open_browser, sign_in, agent, make_case
):
    from aftersales.cases.models import Case

    locale, changed, conflict, save = STALE[language]
    # given: the same case open in two tabs
    case = make_case(severity="C-3", summary="机房空调告警")
    url = f"/console/cases/{case.number}/"
    first = open_browser(locale)
    sign_in(first, agent)
    second = first.context.new_page()
    first.goto(url)
    second.goto(url)

    # when: the first tab raises the severity to C-2 ...
    first.locator("#id_severity").select_option("C-2")
    first.locator("form[action$='/update/']").get_by_role("button", name=save).click()
    expect(first.locator(".messages li.info")).to_have_text(changed)
    expect(first.locator("dl.kv .badge.sev-C-2")).to_be_visible()

    # ... and the second, still showing C-3, sets C-1
    expect(second.locator("#id_severity")).to_have_value("C-3")
    second.locator("#id_severity").select_option("C-1")
    second.locator("form[action$='/update/']").get_by_role("button", name=save).click()

    # then: the second save is refused and says why; the first change stays
    expect(second.locator(".messages li.error")).to_have_text(conflict)
    expect(second.locator("dl.kv .badge.sev-C-2")).to_be_visible()
    expect(second.locator("#id_severity")).to_have_value("C-2")
    assert Case.objects.get(pk=case.pk).severity == "C-2"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_console_pages_have_unique_element_ids(open_browser, sign_in, agent, asset, make_case):
    # given
    make_case(asset=asset)
    console = open_browser("en-US")
    sign_in(console, agent)

    for path in (
        "/console/",
        "/console/cases/",
        "/console/cases/new/",
        "/console/customers/ACME/",
        f"/console/assets/{asset.serial_number}/",
    ):
        # when
        console.goto(path)
        # then
        assert (path, duplicate_ids(console)) == (path, [])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_page_has_unique_element_ids(open_browser, sign_in, agent, make_case):
    # given
    case = make_case()
    console = open_browser("en-US")
    sign_in(console, agent)

    # when
    console.goto(f"/console/cases/{case.number}/")

    # then: each label of the attach-only form names its own field
    labels = console.locator("form[action$='/attach/'] label")
    expect(labels).to_have_count(2)
    own = "label => label.control !== null && label.control.form === label.closest('form')"
    assert [labels.nth(i).evaluate(own) for i in range(2)] == [True, True]
    assert duplicate_ids(console) == []
