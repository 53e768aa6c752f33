"""Reading the knowledge base: who sees which article, and search (Chinese included)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core.search import query_grams
from aftersales.knowledge.choices import ArticleAudience, ArticleStatus
from aftersales.knowledge.models import Article, ArticleCaseLink, ArticleVersion, Manual


def can_edit(user: Any) -> bool:
    """Return whether ``user`` writes articles (service staff who work cases)."""
    return has_capability(user, Capability.WORK_CASES)


def is_staff_reader(user: Any) -> bool:
    """Return whether ``user`` reads internal articles (service staff)."""
    return has_capability(user, Capability.INTERNAL_COMMENTS)


def article_visible(*, user: Any) -> QuerySet[Article]:
    """Return the articles ``user`` may read.

    Staff read every article (drafts only if they may edit); everyone else — customers and
    visitors — reads published customer-visible articles only.
    """
    qs = Article.objects.all()
    if is_staff_reader(user):
        if not can_edit(user):
            qs = qs.filter(status=ArticleStatus.PUBLISHED)
        return qs
    return qs.filter(status=ArticleStatus.PUBLISHED, audience=ArticleAudience.CUSTOMER)


def article_get_visible(*, user: Any, article_id: Any) -> Article | None:
    try:
        pk = int(article_id)
    except (TypeError, ValueError):
        return None
    return article_visible(user=user).filter(pk=pk).first()


def article_search(qs: QuerySet[Article], text: str) -> QuerySet[Article]:
    """Filter ``qs`` to articles whose title, body or solution contains ``text`` and rank them.

    Any substring matches (Chinese included, case-insensitive). The article's character bigrams
    narrow the rows through an index first — a GIN index on PostgreSQL, an FTS5 table on
    SQLite — so a two-character Chinese term needs no scan; ``icontains`` then confirms. Title
    hits come first, then articles that solved more cases, then the better rated, then the newest.
    """
    text = " ".join(text.split())
    if not text:
        return qs
    grams = query_grams(text)
    if grams and connection.vendor == "postgresql":
        qs = qs.extra(  # noqa: S610 - a fixed clause; the bigrams are parameters
            where=["string_to_array(knowledge_article.search_grams, ' ') @> %s::text[]"],
            params=[grams],
        )
    elif grams and connection.vendor == "sqlite":
        # Bigrams are runs of word characters: no quotes or FTS5 syntax can appear in them.
        match = " AND ".join(f'"{gram}"' for gram in grams)
        qs = qs.extra(  # noqa: S610 - a fixed clause; the match expression is a parameter
            where=[
                "knowledge_article.id IN (SELECT rowid FROM knowledge_article_fts "
                "WHERE knowledge_article_fts MATCH %s)"
            ],
            params=[match],
        )
    return (
        qs.filter(Q(title__icontains=text) | Q(body__icontains=text) | Q(solution__icontains=text))
        .annotate(
            title_hit=Case(
                When(title__icontains=text, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-title_hit", "-solved_count", "-rating_sum", "-updated_at", "-id")
    )


# What separates the topic words of a summary typed as a sentence ("我们的打印机卡纸了").
_SEPARATORS = re.compile(
    r"[\s，,。.！!？?；;：:、（）()]+|我们|你们|的|了|吗|呢|啊|请|帮忙|一下|出现|无法"
)


def article_suggest(qs: QuerySet[Article], text: str, *, limit: int = 5) -> list[Article]:
    """Return up to ``limit`` articles for a summary being typed (the portal's suggestions).

    The whole text first; then each of its word-like segments (longest first); then the
    4-character windows of the longest segments. Every lookup is an indexed ``article_search``.
    """
    text = " ".join(text.split())[:100]
    if len(text) < 2:
        return []
    terms = [text]
    segments = sorted({s for s in _SEPARATORS.split(text) if len(s) >= 2}, key=len, reverse=True)
    terms += segments
    for segment in segments[:2]:
        terms += [segment[i : i + 4] for i in range(len(segment) - 3)][:8]
    found: list[Article] = []
    seen: set[int] = set()
    for term in dict.fromkeys(terms):
        for article in article_search(qs, term)[:limit]:
            if article.pk not in seen:
                seen.add(article.pk)
                found.append(article)
        if len(found) >= limit:
            break
    return found[:limit]


def article_versions(*, article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("changed_by").order_by("-number")


def case_article_links(*, case: Any) -> QuerySet[ArticleCaseLink]:
    return ArticleCaseLink.objects.filter(case=case).select_related("article", "linked_by")


def manual_articles(*, manual: Manual, user: Any) -> list[Article]:
    """Return the manual's articles in order, as far as ``user`` may read them."""
    visible = set(article_visible(user=user).values_list("pk", flat=True).filter(manuals=manual))
    return [
        entry.article
        for entry in manual.entries.select_related("article").order_by("position", "id")
        if entry.article_id in visible
    ]
