"""Pages: the console case panel (search, insert into reply, link, solved, draft from a case),
the portal's suggestions and ratings, and who may do what."""

from __future__ import annotations

import pytest

from aftersales.cases.models import CaseEvent, Comment
from aftersales.cases.services import case_transition
from aftersales.knowledge.models import Article, ArticleCaseLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, agent):
    client.force_login(agent)
    return client


def test_console_case_page_has_the_panel_and_search_finds_articles(staff, make_article, make_case):
    article = make_article(title="交换机端口掉线排查", audience="internal")
    case = make_case()
    page = staff.get(f"/console/cases/{case.number}/")
    assert page.status_code == 200
    assert 'id="kb"' in page.content.decode()
    results = staff.get(f"/kb/case/{case.number}/search/", {"kbq": "掉线"}).content.decode()
    assert "交换机端口掉线排查" in results
    assert f"/kb/case/{case.number}/{article.pk}/insert/" in results


def test_insert_puts_the_solution_into_the_reply_box_and_links(staff, make_article, make_case):
    article = make_article(solution="更换 3 号端口光模块。")
    case = make_case()
    response = staff.post(f"/kb/case/{case.number}/{article.pk}/insert/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_reply-body"' in body
    assert "hx-swap-oob" in body
    assert "更换 3 号端口光模块。" in body
    assert ArticleCaseLink.objects.filter(article=article, case=case).exists()
    event = CaseEvent.objects.get(case=case, field="knowledge_article")
    assert event.is_public is False
    # Nothing was sent to the customer: the agent edits and sends the reply.
    assert not Comment.objects.filter(case=case).exists()


def test_solved_feedback_counts_once_per_case_and_ranks(staff, make_article, make_case):
    plain = make_article(title="卡纸处理一")
    helpful = make_article(title="卡纸处理二")
    case = make_case()
    for _ in range(2):
        staff.post(f"/kb/case/{case.number}/{helpful.pk}/link/", {"solved": "1"})
    helpful.refresh_from_db()
    assert helpful.solved_count == 1
    page = staff.get("/kb/", {"q": "卡纸"}).content.decode()
    assert page.index("卡纸处理二") < page.index("卡纸处理一")
    assert plain.solved_count == 0


def test_a_resolved_case_becomes_a_draft_article_in_one_click(staff, agent, make_case):
    case = make_case(summary="存储阵列控制器告警", description="控制器 B 亮黄灯。")
    refused = staff.post(f"/kb/case/{case.number}/from-case/")
    assert refused.status_code == 302
    assert not Article.objects.exists()
    case_transition(case=case, to="responded", by=agent)
    case_transition(case=case, to="resolved", by=agent, note="更换控制器 B 电池。")
    response = staff.post(f"/kb/case/{case.number}/from-case/")
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == "draft"
    assert article.audience == "internal"
    assert article.category == "solution"
    assert article.title == "存储阵列控制器告警"
    assert article.solution == "更换控制器 B 电池。"
    assert article.source_case == case
    assert article.versions.count() == 1
    staff.post(f"/kb/case/{case.number}/from-case/")  # a second click: the same draft
    assert Article.objects.count() == 1


def test_customers_cannot_use_the_case_panel(client, contact_user, make_article, make_case):
    article = make_article()
    case = make_case()
    client.force_login(contact_user)
    assert client.get(f"/kb/case/{case.number}/search/", {"kbq": "卡纸"}).status_code == 302
    client.post(f"/kb/case/{case.number}/{article.pk}/link/", {"solved": "1"})
    client.post(f"/kb/case/{case.number}/{article.pk}/insert/")
    assert not ArticleCaseLink.objects.exists()


def test_portal_suggestions_show_customer_articles_only(client, contact_user, make_article):
    make_article(title="打印机卡纸的处理")
    make_article(title="卡纸故障内部排查流程", audience="internal")
    make_article(title="卡纸草稿", status="draft")
    client.force_login(contact_user)
    body = client.get("/kb/suggest/", {"summary": "我们的打印机卡纸了"}).content.decode()
    assert "打印机卡纸的处理" in body
    assert "内部" not in body
    assert "草稿" not in body
    assert (
        "data-kb-suggestions" not in client.get("/kb/suggest/", {"summary": "卡"}).content.decode()
    )
    page = client.get("/portal/requests/new/").content.decode()
    assert 'hx-get="/kb/suggest/"' in page
    assert 'id="kb-suggestions"' in page


def test_customers_read_and_rate_customer_articles(client, contact_user, make_article):
    public = make_article()
    internal = make_article(title="内部", audience="internal")
    client.force_login(contact_user)
    assert client.get(f"/kb/{public.pk}/").status_code == 200
    assert client.get(f"/kb/{internal.pk}/").status_code == 404
    assert "内部" not in client.get("/kb/").content.decode()
    client.post(f"/kb/{public.pk}/rate/", {"stars": "5", "comment": "有用"})
    client.post(f"/kb/{public.pk}/rate/", {"stars": "9"})  # refused, nothing changes
    public.refresh_from_db()
    assert public.rating_count == 1
    assert public.rating_sum == 5
    assert client.post(f"/kb/{internal.pk}/rate/", {"stars": "1"}).status_code == 404
