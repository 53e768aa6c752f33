from django.contrib import admin

from aftersales.returns.models import ReturnRequest


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    """Read return requests; every change goes through the console or the API (the services)."""

    list_display = (
        "case",
        "rma_number",
        "kind",
        "reason",
        "step",
        "is_eligible",
        "is_overridden",
        "requested_on",
    )
    list_filter = ("step", "kind", "reason", "is_eligible", "is_overridden")
    search_fields = ("case__number", "rma_number", "order_reference", "asset__serial_number")
    list_select_related = ("case",)
    date_hierarchy = "requested_on"

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
