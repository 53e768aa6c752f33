"""Articles and manuals in the admin; saving goes through the services (versions, index)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from aftersales.knowledge import services
from aftersales.knowledge.models import Article, Manual, ManualEntry


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "category", "audience", "status", "version", "solved_count")
    list_filter = ("category", "audience", "status")
    search_fields = ("title",)
    fields = ("title", "category", "audience", "status", "products", "body", "solution", "history")
    readonly_fields = ("history",)
    filter_horizontal = ("products",)

    @admin.display(description=_("History"))
    def history(self, obj: Article) -> str:
        if not obj.pk:
            return "-"
        rows = format_html_join(
            "",
            "<li>v{} · {} · {} · {} {}</li>",
            (
                (
                    v.number,
                    v.changed_at.strftime("%Y-%m-%d %H:%M"),
                    v.changed_by,
                    ", ".join(v.changed_fields),
                    v.note,
                )
                for v in obj.versions.select_related("changed_by").order_by("-number")
            ),
        )
        return format_html("<ul>{}</ul>", rows)

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
