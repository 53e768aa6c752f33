"""Knowledge-base pages (/kb/): search and read (staff and customers), the portal's suggestions,
ratings, and the case-page panel's actions (link, insert into the reply, solved, new draft)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.cases.models import Case
from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.knowledge import selectors, services
from aftersales.knowledge.choices import ArticleCategory
from aftersales.knowledge.models import Article
from aftersales.warranty.selectors import case_visible


def _page_size() -> int:
    return int(getattr(settings, "KNOWLEDGE_PAGE_SIZE", 20))


def _article(request: HttpRequest, pk: int) -> Article:
    article = selectors.article_get_visible(user=request.user, article_id=pk)
    if article is None:
        raise Http404
    return article


def _case(request: HttpRequest, number: str) -> Case:
    case = case_visible(user=request.user, number=number)
    if case is None:
        raise Http404
    return case


def _base(request: HttpRequest) -> str:
    if selectors.is_staff_reader(request.user):
        return "console/base_console.html"
    return "portal/base_portal.html"


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    """Search the articles the reader may see."""
    query = request.GET.get("q", "").strip()[:100]
    qs = selectors.article_visible(user=request.user)
    category = request.GET.get("category", "")
    if category in ArticleCategory.values:
        qs = qs.filter(category=category)
    articles = list(selectors.article_search(qs, query, limit=_page_size())[: _page_size()])
    return render(
        request,
        "knowledge/article_list.html",
        {
            "base": _base(request),
            "query": query,
            "category": category,
            "categories": ArticleCategory.choices,
            "articles": articles,
            "nav": "kb",
        },
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    context: dict[str, Any] = {"base": _base(request), "article": article, "nav": "kb"}
    if selectors.is_staff_reader(request.user):
        context["versions"] = list(selectors.article_versions(article=article))
    context["my_rating"] = article.ratings.filter(user=request.user).first()
    return render(request, "knowledge/article_detail.html", context)


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """The few articles that match what the reader is typing (htmx partial for the portal)."""
    query = (request.GET.get("summary") or request.GET.get("q") or "").strip()[:100]
    limit = int(getattr(settings, "KNOWLEDGE_SUGGESTIONS", 5))
    qs = selectors.article_visible(user=request.user)
    articles = selectors.article_suggest(qs, query, limit=limit)
    return render(request, "knowledge/_suggestions.html", {"articles": articles, "query": query})


@require_POST
@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    try:
        services.article_rate(
            article=article,
            by=request.user,
            stars=request.POST.get("stars"),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect(reverse("knowledge:article", kwargs={"pk": article.pk}))


# --- The console case-page panel -------------------------------------------------------------


@staff_required
def case_search(request: HttpRequest, number: str) -> HttpResponse:
    """The panel's search results (htmx partial)."""
    case = _case(request, number)
    query = request.GET.get("kbq", "").strip()[:100]
    articles: list[Article] = []
    if query:
        qs = selectors.article_visible(user=request.user)
        articles = list(selectors.article_search(qs, query, limit=_page_size())[: _page_size()])
    return render(
        request,
        "knowledge/_case_results.html",
        {"case": case, "articles": articles, "query": query},
    )


def _back(number: str) -> HttpResponse:
    return redirect(reverse("console:case", kwargs={"number": number}) + "#kb")


@require_POST
@staff_required
def case_link(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = _case(request, number)
    article = _article(request, pk)
    try:
        if request.POST.get("solved"):
            services.article_mark_solved(article=article, case=case, by=request.user)
            messages.success(request, _("Recorded: this article solved the case."))
        else:
            services.article_link_case(article=article, case=case, by=request.user)
            messages.success(request, _("Article linked to the case."))
    except DomainError as exc:
        report_domain_error(request, exc)
    return _back(case.number)


@require_POST
@staff_required
def case_insert(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Link the article and put its solution into the reply box (htmx out-of-band swap)."""
    case = _case(request, number)
    article = _article(request, pk)
    try:
        services.article_link_case(article=article, case=case, by=request.user)
    except DomainError as exc:
        report_domain_error(request, exc)
        return _back(case.number)
    text = article.solution or article.body
    if not request.headers.get("HX-Request"):
        return _back(case.number)
    return render(request, "knowledge/_reply_fill.html", {"text": text, "article": article})


@require_POST
@staff_required
def case_to_article(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    try:
        article = services.article_from_case(case=case, by=request.user)
    except DomainError as exc:
        report_domain_error(request, exc)
        return _back(case.number)
    messages.success(request, _("Draft article written from the case."))
    return redirect(reverse("admin:knowledge_article_change", args=[article.pk]))
