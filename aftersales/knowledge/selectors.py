"""Reading the knowledge base: who sees which article, and search (Chinese included)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core.search import bigrams, query_grams
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


# The ranking after title hits: articles that solved more cases, the better rated, the newest.
# ``knowledge_art_rank`` is an index in exactly this order.
RANK = ("-solved_count", "-rating_sum", "-updated_at", "-id")

# Title bigrams are also indexed as ``TITLE_MARK + bigram`` (three characters, so never equal
# to a plain bigram): the title-hit postings of a term.
TITLE_MARK = "t"

# Postings (rows having all of a term's bigrams) up to this size are ranked in full: sorting a
# few thousand rows is cheap. Beyond it they are "huge": the first results are found by walking
# the articles in rank order instead, checking only a prefix of that order.
COMMON_CANDIDATES = 2000
# The first rank-order walk checks this many articles (at least 25 per row asked for); it
# grows until it holds enough hits, up to WALK_MAX (then every match is ranked after all).
WALK_START = 500
WALK_MAX = 32000
# How many results a search returns when the caller does not say (its page size).
DEFAULT_LIMIT = 100


def title_tokens(title: str) -> list[str]:
    """Return the title-hit tokens of ``title`` for the search document."""
    return sorted(TITLE_MARK + gram for gram in bigrams(title))


def _contains(text: str) -> Q:
    return Q(title__icontains=text) | Q(body__icontains=text) | Q(solution__icontains=text)


def _ranked(qs: QuerySet[Article], text: str) -> QuerySet[Article]:
    """Return the articles of ``qs`` that contain ``text``, title hits first, then by ``RANK``."""
    return (
        qs.filter(_contains(text))
        .annotate(
            title_hit=Case(
                When(title__icontains=text, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-title_hit", *RANK)
    )


def _narrowed(qs: QuerySet[Article], tokens: list[str]) -> QuerySet[Article]:
    """Return ``qs`` narrowed through the bigram index to rows having all of ``tokens``."""
    if connection.vendor == "postgresql":
        return qs.extra(  # noqa: S610 - a fixed clause; the bigrams are parameters
            where=["string_to_array(knowledge_article.search_grams, ' ') @> %s::text[]"],
            params=[tokens],
        )
    if connection.vendor == "sqlite":
        # Bigrams are runs of word characters: no quotes or FTS5 syntax can appear in them.
        match = " AND ".join(f'"{token}"' for token in tokens)
        return qs.extra(  # noqa: S610 - a fixed clause; the match expression is a parameter
            where=[
                "knowledge_article.id IN (SELECT rowid FROM knowledge_article_fts "
                "WHERE knowledge_article_fts MATCH %s)"
            ],
            params=[match],
        )
    return qs


def _huge(qs: QuerySet[Article], tokens: list[str]) -> bool:
    """Return whether more than ``COMMON_CANDIDATES`` rows have all of ``tokens``.

    Read from figures the database keeps anyway, never by counting rows: on PostgreSQL the
    planner's estimate, from the element frequencies ANALYZE keeps for the indexed bigram arrays
    (a counting query would be planned as a sequential scan that splits every row's bigrams);
    on SQLite the document frequency of the rarest token in the FTS5 vocabulary. A wrong guess
    costs time, never correctness.
    """
    if connection.vendor == "postgresql":
        rows = _narrowed(qs, tokens).order_by().values_list("pk", flat=True)
        plan = json.loads(rows.explain(format="json"))
        return bool(plan[0]["Plan"]["Plan Rows"] > COMMON_CANDIDATES)
    if connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(tokens))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), min(doc) FROM knowledge_article_fts_vocab "  # noqa: S608
                f"WHERE term IN ({marks})",
                tokens,
            )
            found, rarest = cursor.fetchone()
        return bool(found == len(set(tokens)) and rarest > COMMON_CANDIDATES)
    return False


def _first_ids(qs: QuerySet[Article], text: str, grams: list[str], limit: int) -> list[int] | None:
    """Return the ids of the first ``limit`` results for a term with huge postings, in order,
    or None when the walk reached ``WALK_MAX`` without finding enough (the caller then ranks
    every match).

    Title hits: when the term's title postings are small they are all fetched through the
    index and sorted here; when they are huge, the articles are walked in rank order (the
    ``knowledge_art_rank`` index) and a prefix of that order is checked, growing until it holds
    ``limit`` title hits — any title hit further down ranks below all of them. The rest of the
    page comes from the same walk's non-title hits, exact for the same reason.
    """
    titles: list[int] | None = None  # None: to be found by the walk
    title_grams = [TITLE_MARK + gram for gram in grams]
    if not _huge(qs, title_grams):
        title_postings = _narrowed(qs, title_grams)
        rows = list(
            title_postings.filter(title__icontains=text)
            .order_by()
            .values_list("solved_count", "rating_sum", "updated_at", "id")
        )
        rows.sort(reverse=True)  # every RANK key is descending
        titles = [row[3] for row in rows[:limit]]
        if len(titles) >= limit:
            return titles
    walk = max(WALK_START, 25 * limit)
    while True:
        prefix = qs.order_by(*RANK).values("pk")[:walk]
        hits = list(
            _ranked(Article.objects.filter(pk__in=prefix), text).values_list("pk", "title_hit")
        )
        others = [pk for pk, hit in hits if not hit]
        found = titles if titles is not None else [pk for pk, hit in hits if hit]
        if titles is None and len(found) >= limit:
            return found[:limit]
        if titles is not None and len(titles) + len(others) >= limit:
            return (titles + others)[:limit]
        if Article.objects.filter(pk__in=prefix).count() < walk:  # the walk saw every row
            return (found + others)[:limit]
        if walk >= WALK_MAX:
            return None
        # Grow at least twofold, or as far as the density of hits seen so far suggests.
        seen = len(found) if titles is None else len(titles) + len(others)
        guess = int(walk * limit * 1.25 / max(seen, 1))
        walk = min(max(2 * walk, guess), WALK_MAX)


def article_search(
    qs: QuerySet[Article], text: str, *, limit: int = DEFAULT_LIMIT
) -> QuerySet[Article]:
    """Filter ``qs`` to articles whose title, body or solution contains ``text`` and rank them.

    Any substring matches (Chinese included, case-insensitive). The article's character bigrams
    narrow the rows through an index first — a GIN index on PostgreSQL, an FTS5 table on
    SQLite — so a two-character Chinese term needs no scan; ``icontains`` then confirms. Title
    hits come first, then articles that solved more cases, then the better rated, then the newest.

    A very common term (more than ``COMMON_CANDIDATES`` rows have its bigrams) is not ranked in
    full: its first ``limit`` results, exactly as a full ranking would order them, are found
    from its title postings and a walk in rank order (see ``_first_ids``), and only those are
    returned. Callers pass the number of rows they read (their page).
    """
    text = " ".join(text.split())
    if not text:
        return qs
    grams = query_grams(text)
    if not grams:  # one character: no bigram, a plain scan
        return _ranked(qs, text)
    if _huge(qs, grams):
        ids = _first_ids(qs, text, grams, limit)
        if ids is not None:
            return _ranked(qs.filter(pk__in=ids), text)
    return _ranked(_narrowed(qs, grams), text)


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
        for article in article_search(qs, term, limit=limit)[:limit]:
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
