"""Articles and manuals in the admin; saving goes through the services (versions, index)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from aftersales.knowledge import services
from aftersales.knowledge.models import Article, ArticleVersion, Manual, ManualEntry


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    extra = 0
    can_delete = False
    fields = ("number", "title", "status", "changed_fields", "note", "changed_by", "changed_at")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "category", "audience", "status", "version", "solved_count")
    list_filter = ("category", "audience", "status")
    search_fields = ("title",)
    fields = ("title", "category", "audience", "status", "products", "body", "solution")
    filter_horizontal = ("products",)
    inlines = [ArticleVersionInline]

    def save_model(self, request: Any, obj: Article, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.VERSIONED}
        if change:
            saved = services.article_update(
                article=obj, by=request.user, products=form.cleaned_data["products"], **data
            )
        else:
            saved = services.article_create(
                by=request.user, products=form.cleaned_data["products"], **data
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        """Products were set by the service (as part of the version)."""


class ManualEntryInline(admin.TabularInline):
    model = ManualEntry
    extra = 1
    autocomplete_fields = ("article",)


@admin.register(Manual)
class ManualAdmin(admin.ModelAdmin):
    list_display = ("code", "title")
    inlines = [ManualEntryInline]
