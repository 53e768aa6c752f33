"""Claims and quotes in the admin: for looking up and auditing; decisions go through the console
or the API (the services keep the timeline and the clocks right), so the rows are read-only."""

from django.contrib import admin

from aftersales.warranty.models import ClaimAssessment, Quote, QuoteLine


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ClaimAssessment)
class ClaimAssessmentAdmin(_ReadOnlyAdmin):
    list_display = (
        "case",
        "decision",
        "remedy",
        "refund_amount",
        "decided_by",
        "decided_at",
        "remedy_done_at",
    )
    list_filter = ("decision", "remedy")
    search_fields = ("case__number", "case__customer__name")
    list_select_related = ("case", "decided_by")


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    fields = ("kind", "description", "quantity", "unit_price")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Quote)
class QuoteAdmin(_ReadOnlyAdmin):
    list_display = ("number", "case", "status", "total", "valid_until", "created_at")
    list_filter = ("status",)
    search_fields = ("number", "case__number", "case__customer__name")
    list_select_related = ("case",)
    inlines = [QuoteLineInline]
