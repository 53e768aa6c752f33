"""Knowledge-base articles with versions, case links, feedback, ratings and the service manual."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel
from aftersales.knowledge.choices import ArticleAudience, ArticleCategory, ArticleStatus


class Article(TimeStampedModel):
    """A knowledge article (知识库文章); every edit adds an ``ArticleVersion``."""

    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    solution = models.TextField(
        _("solution"), blank=True, help_text=_("The text agents insert into a reply.")
    )
    category = models.CharField(_("category"), max_length=20, choices=ArticleCategory.choices)
    audience = models.CharField(
        _("audience"),
        max_length=20,
        choices=ArticleAudience.choices,
        default=ArticleAudience.INTERNAL,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="articles", verbose_name=_("products")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    source_case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source case"),
    )
    solved_count = models.PositiveIntegerField(_("solved cases"), default=0)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    rating_sum = models.PositiveIntegerField(_("rating total"), default=0)
    search_grams = models.TextField(
        _("search bigrams"),
        blank=True,
        editable=False,
        help_text=_("Character bigrams of the searchable text (kept by the services)."),
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "audience"], name="knowledge_art_status_aud"),
            # Search ranks by these (after title hits): a very common term's first results are
            # found by walking this index (see ``selectors.article_search``).
            models.Index(
                fields=["-solved_count", "-rating_sum", "-updated_at", "-id"],
                name="knowledge_art_rank",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


class ArticleVersion(models.Model):
    """One saved state of an article: who changed what, when."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="versions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=ArticleCategory.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=ArticleAudience.choices)
    status = models.CharField(_("status"), max_length=20, choices=ArticleStatus.choices)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    note = models.CharField(_("change note"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleCaseLink(models.Model):
    """An article linked to a case by an agent; ``solved`` is the "solved my case" feedback."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="case_links", verbose_name=_("article")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(_("linked at"))
    solved = models.BooleanField(_("solved the case"), default=False)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "case"], name="knowledge_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} ↔ {self.case_id}"


class ArticleRating(models.Model):
    """A reader's 1–5 rating of an article (one per reader; rating again replaces it)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("article")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("article rating")
        verbose_name_plural = _("article ratings")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="knowledge_rating_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.stars}"


class Manual(TimeStampedModel):
    """The service manual (售后服务手册): an ordered collection of articles, one PDF."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    articles = models.ManyToManyField(
        Article, through="ManualEntry", related_name="manuals", verbose_name=_("articles")
    )

    class Meta:
        verbose_name = _("service manual")
        verbose_name_plural = _("service manuals")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class ManualEntry(models.Model):
    manual = models.ForeignKey(
        Manual, on_delete=models.CASCADE, related_name="entries", verbose_name=_("manual")
    )
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="+", verbose_name=_("article")
    )
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        verbose_name = _("manual entry")
        verbose_name_plural = _("manual entries")
        ordering = ["manual", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["manual", "article"], name="knowledge_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.manual_id} #{self.position}"
