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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_agent_inserts_an_articles_solution_into_the_reply(
    open_browser, sign_in, screenshot, agent, make_case
):
    from aftersales.knowledge.models import ArticleCaseLink
    from aftersales.knowledge.services import article_create

    article = article_create(
        by=agent,
        title="交换机端口掉线排查",
        category="solution",
        solution="请更换 3 号端口的光模块并观察一小时。",
        status="published",
    )
    case = make_case()
    console = open_browser("zh-CN")
    sign_in(console, agent)
    console.goto(f"/console/cases/{case.number}/")

    # when: the agent searches the panel for a two-character term and inserts the solution
    console.locator("#kb-q").fill("掉线")
    result = console.locator(f"#kb-results [data-article='{article.pk}']")
    expect(result).to_contain_text("交换机端口掉线排查")
    result.locator("form[action$='/insert/'] button").click()

    # then: the reply box holds the solution (not sent yet), and the article is linked
    expect(console.locator("#id_reply-body")).to_have_value("请更换 3 号端口的光模块并观察一小时。")
    screenshot(console, "inserted")
    assert ArticleCaseLink.objects.filter(article=article, case=case).exists()
