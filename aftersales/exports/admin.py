from django.contrib import admin

from aftersales.exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "format", "status", "rows_done", "rows_total", "created_at")
    list_filter = ("status", "format", "report")
    search_fields = ("title", "user__username")
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
