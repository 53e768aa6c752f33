"""Writing the knowledge base: articles with versions, case links, feedback, ratings, manuals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from aftersales.cases.choices import CaseEventKind, CaseStatus
from aftersales.cases.services import case_comment
from aftersales.cases.services.common import ensure_can_view, record_event
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.core.search import document
from aftersales.knowledge import selectors
from aftersales.knowledge.choices import ArticleAudience, ArticleCategory, ArticleStatus
from aftersales.knowledge.models import (
    Article,
    ArticleCaseLink,
    ArticleRating,
    ArticleVersion,
    Manual,
    ManualEntry,
)

VERSIONED = ("title", "body", "solution", "category", "audience", "status")


def search_document(article: Article) -> str:
    """Return the bigram index text of ``article`` (see ``core.search``): the bigrams of its
    title, body and solution, then its title's bigrams marked as title hits."""
    grams = document([article.title, article.body, article.solution], limit=20000)
    return " ".join([grams, *selectors.title_tokens(article.title)]).strip()


def _ensure_editor(by: Any) -> None:
    if not selectors.can_edit(by):
        raise NotAllowed(_("You may not edit knowledge articles."))


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            errors["title"] = [_("A title is required.")]
        elif len(fields["title"]) > 300:
            errors["title"] = [_("At most 300 characters.")]
    for name, choices in (
        ("category", ArticleCategory),
        ("audience", ArticleAudience),
        ("status", ArticleStatus),
    ):
        if name in fields and fields[name] not in choices.values:
            errors[name] = [_("Not a valid choice.")]
    for name in ("body", "solution"):
        if name in fields:
            fields[name] = fields[name] or ""
    if errors:
        raise ValidationFailed(_("Please correct the article."), errors=errors)
    return fields


def _snapshot(article: Article, *, by: Any, changed: list[str], note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        changed_fields=changed,
        note=note[:500],
        changed_by=by,
        changed_at=clock.now(),
        **{name: getattr(article, name) for name in VERSIONED},
    )


@transaction.atomic
def article_create(
    *,
    by: Any,
    title: str,
    category: str,
    body: str = "",
    solution: str = "",
    audience: str = ArticleAudience.INTERNAL,
    status: str = ArticleStatus.DRAFT,
    products: Iterable[Any] = (),
    source_case: Any = None,
    note: str = "",
) -> Article:
    """Write a new article (version 1). Raises NotAllowed, ValidationFailed."""
    _ensure_editor(by)
    fields = _clean(
        {
            "title": title,
            "category": category,
            "body": body,
            "solution": solution,
            "audience": audience,
            "status": status,
        }
    )
    now = clock.now()
    article = Article(created_by=by, source_case=source_case, **fields)
    if article.status == ArticleStatus.PUBLISHED:
        article.published_at = now
    article.search_grams = search_document(article)
    article.save()
    if products:
        article.products.set(products)
    _snapshot(article, by=by, changed=list(VERSIONED), note=note or _("Created"))
    return article


@transaction.atomic
def article_update(
    *, article: Article, by: Any, note: str = "", products: Any = None, **changes: Any
) -> Article:
    """Edit ``article``: each edit that changes something is a new version (who, when, what).

    Raises NotAllowed, ValidationFailed.
    """
    _ensure_editor(by)
    unknown = set(changes) - set(VERSIONED)
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    changes = _clean(dict(changes))
    article = Article.objects.select_for_update().get(pk=article.pk)
    changed = [name for name, value in changes.items() if getattr(article, name) != value]
    old_products = set(article.products.values_list("pk", flat=True))
    new_products = None if products is None else {getattr(p, "pk", p) for p in products}
    if new_products is not None and new_products != old_products:
        changed.append("products")
    if not changed:
        return article
    for name in changed:
        if name != "products":
            setattr(article, name, changes[name])
    if "status" in changed and article.status == ArticleStatus.PUBLISHED:
        article.published_at = clock.now()
    article.version += 1
    article.search_grams = search_document(article)
    article.save()
    if new_products is not None:
        article.products.set(new_products)
    _snapshot(article, by=by, changed=changed, note=note)
    return article


def article_publish(*, article: Article, by: Any) -> Article:
    return article_update(article=article, by=by, status=ArticleStatus.PUBLISHED)


@transaction.atomic
def article_link_case(*, article: Article, case: Any, by: Any) -> ArticleCaseLink:
    """Link ``article`` to ``case`` (idempotent); the link is an internal timeline entry."""
    if not selectors.can_edit(by):
        raise NotAllowed(_("You may not link articles to cases."))
    ensure_can_view(user=by, case=case)
    if not selectors.article_visible(user=by).filter(pk=article.pk).exists():
        raise NotAllowed(_("You may not read this article."))
    link, created = ArticleCaseLink.objects.get_or_create(
        article=article, case=case, defaults={"linked_by": by, "linked_at": clock.now()}
    )
    if created:
        record_event(
            case,
            CaseEventKind.FIELD_CHANGED,
            by=by,
            is_public=False,
            field="knowledge_article",
            new_value=f"#{article.pk} {article.title}"[:500],
        )
    return link


@transaction.atomic
def article_mark_solved(*, article: Article, case: Any, by: Any) -> ArticleCaseLink:
    """Record that ``article`` solved ``case`` (links it if needed); counts once per case."""
    link = article_link_case(article=article, case=case, by=by)
    link = ArticleCaseLink.objects.select_for_update().get(pk=link.pk)
    if not link.solved:
        link.solved = True
        link.solved_at = clock.now()
        link.save(update_fields=["solved", "solved_at"])
        Article.objects.filter(pk=article.pk).update(solved_count=F("solved_count") + 1)
    return link


def article_insert_reply(*, article: Article, case: Any, by: Any, public: bool = True) -> Any:
    """Send ``article``'s solution (or body) as a reply on ``case``, and link the article."""
    text = article.solution or article.body
    if not text.strip():
        raise ValidationFailed(_("This article has no solution text."), field="article")
    with transaction.atomic():
        article_link_case(article=article, case=case, by=by)
        return case_comment(case=case, by=by, body=text, public=public)


def article_from_case(*, case: Any, by: Any) -> Article:
    """Turn a resolved (or closed) case into a draft troubleshooting article (one click)."""
    _ensure_editor(by)
    ensure_can_view(user=by, case=case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise Conflict(_("Only a resolved case can become an article."), code="case_not_resolved")
    existing = Article.objects.filter(source_case=case).first()
    if existing is not None:
        return existing
    products = [case.asset.product] if case.asset_id and case.asset.product_id else []
    body = "\n\n".join(
        part
        for part in (
            case.description,
            (_("Cause") + ": " + case.cause) if case.cause else "",
        )
        if part
    )
    article = article_create(
        by=by,
        title=case.summary,
        category=ArticleCategory.SOLUTION,
        body=body,
        solution=case.resolution,
        products=products,
        source_case=case,
        note=_("From case %(number)s") % {"number": case.number},
    )
    article_link_case(article=article, case=case, by=by)
    return article


@transaction.atomic
def article_rate(*, article: Article, by: Any, stars: Any, comment: str = "") -> ArticleRating:
    """Rate ``article`` 1–5 (a reader's new rating replaces the old one)."""
    if by is None or not by.is_authenticated:
        raise NotAllowed(_("Sign in to rate articles."))
    if not selectors.article_visible(user=by).filter(pk=article.pk).exists():
        raise NotAllowed(_("You may not read this article."))
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationFailed(_("Give one to five stars."), field="stars")
    article = Article.objects.select_for_update().get(pk=article.pk)
    rating = ArticleRating.objects.filter(article=article, user=by).first()
    if rating is None:
        rating = ArticleRating(article=article, user=by)
        article.rating_count += 1
    else:
        article.rating_sum -= rating.stars
    article.rating_sum += stars
    rating.stars = stars
    rating.comment = (comment or "")[:1000]
    rating.rated_at = clock.now()
    rating.save()
    article.save(update_fields=["rating_count", "rating_sum"])
    return rating


@transaction.atomic
def manual_set_articles(*, manual: Manual, by: Any, articles: Iterable[Article]) -> Manual:
    """Set the manual's articles, in the given order."""
    _ensure_editor(by)
    manual.entries.all().delete()
    seen: set[int] = set()
    entries = []
    for article in articles:
        if article.pk in seen:
            raise ValidationFailed(_("An article appears twice."), field="articles")
        seen.add(article.pk)
        entries.append(ManualEntry(manual=manual, article=article, position=len(entries) + 1))
    ManualEntry.objects.bulk_create(entries)
    return manual
