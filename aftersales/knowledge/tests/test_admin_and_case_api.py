"""The admin saves through the services (versions); the case-article API."""

from __future__ import annotations

import pytest

from aftersales.cases.models import CaseEvent
from aftersales.cases.services import case_transition
from aftersales.knowledge.models import Article, ArticleCaseLink, ArticleVersion

pytestmark = pytest.mark.django_db


def test_admin_add_and_change_write_versions(client, admin_user):
    client.force_login(admin_user)
    fields = {
        "title": "保修政策",
        "category": "policy",
        "audience": "customer",
        "status": "draft",
        "body": "整机保修三年。",
        "solution": "",
    }
    response = client.post("/admin/knowledge/article/add/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.created_by == admin_user
    client.post(f"/admin/knowledge/article/{article.pk}/change/", {**fields, "status": "published"})
    article.refresh_from_db()
    assert article.status == "published"
    assert article.version == 2
    assert list(ArticleVersion.objects.values_list("number", "status")) == [
        (1, "draft"),
        (2, "published"),
    ]
    assert client.get(f"/admin/knowledge/article/{article.pk}/change/").status_code == 200
    assert client.get("/admin/knowledge/manual/add/").status_code == 200


def test_case_articles_api(client_for, agent, contact_user, make_case, make_article):
    article = make_article(audience="internal")
    case = make_case()
    staff = client_for(agent)
    url = f"/api/v1/cases/{case.number}/articles/"
    assert staff.post(url, {"article": 999999}, format="json").status_code == 400
    created = staff.post(url, {"article": article.pk, "solved": True}, format="json")
    assert created.status_code == 201
    assert created.json()["solved"] is True
    staff.post(url, {"article": article.pk, "solved": True}, format="json")
    article.refresh_from_db()
    assert article.solved_count == 1
    assert staff.get(url).json()["results"][0]["article"] == article.pk
    assert CaseEvent.objects.filter(case=case, field="knowledge_article").count() == 1
    customer = client_for(contact_user)
    assert customer.get(url).status_code == 404
    assert customer.post(url, {"article": article.pk}, format="json").status_code == 404
    assert ArticleCaseLink.objects.count() == 1

    from_case = f"/api/v1/cases/{case.number}/articles/from-case/"
    refused = staff.post(from_case)
    assert refused.status_code == 409
    assert Article.objects.count() == 1
    case_transition(case=case, to="responded", by=agent)
    case_transition(case=case, to="resolved", by=agent, note="重插光模块后恢复。")
    made = staff.post(from_case)
    assert made.status_code == 201
    assert made.json()["status"] == "draft"
    assert made.json()["solution"] == "重插光模块后恢复。"
    assert customer.post(from_case).status_code == 403
