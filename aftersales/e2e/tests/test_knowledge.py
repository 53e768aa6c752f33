"""Browser check of the portal's knowledge-base suggestions: typing the summary of a new
request shows matching customer-visible articles (never internal ones) without reloading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_a_summary_suggests_customer_articles(
    open_browser, sign_in, screenshot, agent, contact_user
):
    from aftersales.knowledge.services import article_create

    public = article_create(
        by=agent,
        title="打印机卡纸的处理",
        category="faq",
        body="调整纸盒导轨。",
        audience="customer",
        status="published",
    )
    article_create(
        by=agent,
        title="打印机卡纸内部排查流程",
        category="process",
        audience="internal",
        status="published",
    )
    portal = open_browser("zh-CN")
    sign_in(portal, contact_user)
    portal.goto("/portal/requests/new/")
    suggestions = portal.locator("#kb-suggestions")
    expect(suggestions.locator("a")).to_have_count(0)

    # when: the customer types the summary as a sentence, key by key
    portal.locator("input[name=summary]").press_sequentially("我们的打印机卡纸了", delay=30)

    # then: the customer-visible article appears below the field, the internal one never does
    expect(suggestions.locator("a")).to_have_count(1)
    link = suggestions.get_by_role("link", name="打印机卡纸的处理")
    expect(link).to_have_attribute("href", f"/kb/{public.pk}/")
    expect(suggestions).not_to_contain_text("内部")
    screenshot(portal, "suggestions")

    # and: typing something unrelated clears them
    portal.locator("input[name=summary]").fill("")
    portal.locator("input[name=summary]").press_sequentially("空调漏水", delay=30)
    expect(suggestions.locator("a")).to_have_count(0)
