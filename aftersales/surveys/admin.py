from django.contrib import admin

from aftersales.surveys.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("case", "score", "rated_by", "created_at")
    list_filter = ("score",)
    search_fields = ("=case__number", "comment")
    list_select_related = ("case", "rated_by")
    readonly_fields = ("case", "score", "comment", "rated_by", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
