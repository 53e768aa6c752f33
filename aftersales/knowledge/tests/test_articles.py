"""Articles: versions with history, permissions on internal articles, ratings, the manual PDF."""

from __future__ import annotations

import subprocess

import pytest

from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.knowledge import selectors, services
from aftersales.knowledge.models import Article, ArticleVersion, Manual

pytestmark = pytest.mark.django_db


def test_each_edit_is_a_new_version_with_who_and_what(make_article, agent, supervisor):
    article = make_article(status="draft")
    assert article.version == 1
    services.article_update(article=article, by=supervisor, title="卡纸处理", note="改标题")
    services.article_update(article=article, by=agent, title="卡纸处理")  # no change: no version
    services.article_publish(article=article, by=agent)
    article.refresh_from_db()
    assert article.version == 3
    assert article.status == "published"
    assert article.published_at is not None
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].title == "打印机频繁卡纸怎么办"
    assert versions[1].title == "卡纸处理"
    assert versions[1].changed_fields == ["title"]
    assert versions[1].changed_by == supervisor
    assert versions[1].note == "改标题"
    assert versions[2].changed_fields == ["status"]
    assert versions[2].changed_by == agent


def test_bad_input_is_refused_and_changes_nothing(make_article, agent, contact_user):
    article = make_article()
    with pytest.raises(ValidationFailed):
        services.article_update(article=article, by=agent, title="  ")
    with pytest.raises(ValidationFailed):
        services.article_update(article=article, by=agent, category="gossip")
    with pytest.raises(NotAllowed):
        services.article_update(article=article, by=contact_user, title="hacked")
    article.refresh_from_db()
    assert article.version == 1
    assert article.title == "打印机频繁卡纸怎么办"


def test_customers_see_only_published_customer_articles(
    make_article, agent, engineer, contact_user, client_for
):
    public = make_article(title="公开文章")
    internal = make_article(title="内部流程", audience="internal")
    draft = make_article(title="草稿", status="draft")
    assert set(selectors.article_visible(user=contact_user)) == {public}
    assert set(selectors.article_visible(user=agent)) == {public, internal, draft}

    client = client_for(contact_user)
    listed = client.get("/api/v1/kb/articles/").json()["results"]
    assert [row["title"] for row in listed] == ["公开文章"]
    assert client.get(f"/api/v1/kb/articles/{internal.pk}/").status_code == 404
    assert client.get(f"/api/v1/kb/articles/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/kb/articles/{public.pk}/versions/").status_code == 404
    assert client.post(f"/api/v1/kb/articles/{internal.pk}/rating/", {"stars": 5}).status_code == (
        404
    )
    found = client.get("/api/v1/kb/articles/", {"q": "内部"}).json()["results"]
    assert found == []
    created = client.post("/api/v1/kb/articles/", {"title": "x", "category": "faq"})
    assert created.status_code == 403
    assert Article.objects.count() == 3


def test_api_create_edit_and_history(agent, client_for):
    from aftersales.catalog.tests.factories import ProductFactory

    ProductFactory(code="LJ-2000", name="激光打印机")
    client = client_for(agent)
    response = client.post(
        "/api/v1/kb/articles/",
        {"title": "退货政策", "category": "policy", "body": "七天无理由", "products": ["LJ-2000"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["products"] == ["LJ-2000"]
    assert response.json()["status"] == "draft"
    bad = client.post("/api/v1/kb/articles/", {"title": "x", "category": "nope"}, format="json")
    assert bad.status_code == 400
    unknown = client.post(
        "/api/v1/kb/articles/",
        {"title": "x", "category": "faq", "products": ["NOPE"]},
        format="json",
    )
    assert unknown.status_code == 400
    edit = client.patch(
        f"/api/v1/kb/articles/{pk}/", {"body": "十五天无理由", "note": "新规"}, format="json"
    )
    assert edit.status_code == 200
    assert edit.json()["version"] == 2
    history = client.get(f"/api/v1/kb/articles/{pk}/versions/").json()["results"]
    assert [(v["number"], v["body"], v["changed_by"]) for v in history] == [
        (2, "十五天无理由", agent.username),
        (1, "七天无理由", agent.username),
    ]
    assert history[0]["changed_fields"] == ["body"]
    assert history[0]["note"] == "新规"
    assert Article.objects.count() == 1


def test_rating_once_per_reader(make_article, contact_user, other_contact_user, client_for):
    article = make_article()
    client = client_for(contact_user)
    assert client.post(f"/api/v1/kb/articles/{article.pk}/rating/", {"stars": 2}).status_code == 200
    body = client.post(f"/api/v1/kb/articles/{article.pk}/rating/", {"stars": 4}).json()
    assert body["rating_count"] == 1
    assert body["rating_average"] == 4.0
    services.article_rate(article=article, by=other_contact_user, stars=5)
    article.refresh_from_db()
    assert article.rating_count == 2
    assert article.rating_average == 4.5
    assert client.post(f"/api/v1/kb/articles/{article.pk}/rating/", {"stars": 6}).status_code == 400
    article.refresh_from_db()
    assert article.rating_sum == 9


def test_manual_pdf_has_its_articles_in_order(
    make_article, agent, contact_user, client_for, tmp_path
):
    first = make_article(title="第一章 报修流程", body="拨打服务热线。")
    internal = make_article(title="内部考核办法", audience="internal")
    second = make_article(title="第二章 卡纸处理", body="调整纸盒导轨。")
    manual = Manual.objects.create(code="service", title="售后服务手册")
    services.manual_set_articles(manual=manual, by=agent, articles=[second, internal, first])
    with pytest.raises(ValidationFailed):
        services.manual_set_articles(manual=manual, by=agent, articles=[first, first])

    def text_of(user):
        response = client_for(user).get("/api/v1/kb/manuals/service/pdf/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        path = tmp_path / f"{user.pk}.pdf"
        path.write_bytes(response.content)
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout

    staff_text = text_of(agent)
    assert staff_text.index("第二章 卡纸处理") < staff_text.index("内部考核办法")
    assert staff_text.index("内部考核办法") < staff_text.index("第一章 报修流程")
    customer_text = text_of(contact_user)
    assert "第一章 报修流程" in customer_text
    assert "内部考核办法" not in customer_text
    assert client_for(agent).get("/api/v1/kb/manuals/none/pdf/").status_code == 404
