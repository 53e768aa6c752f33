from django.contrib import admin

from aftersales.complaints.models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read complaints; changes go through the console or the API (the services)."""

    list_display = (
        "case",
        "subject_kind",
        "person",
        "outcome",
        "compensation_state",
        "compensation_amount",
        "complained_at",
    )
    list_filter = ("subject_kind", "outcome", "compensation_state", "compensation_kind")
    search_fields = ("case__number", "person__username", "product__code")
    list_select_related = ("case", "person")
    date_hierarchy = "complained_at"

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
