from django.contrib import admin

from aftersales.kpi.models import ReportSchedule


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "frequency", "region", "is_active", "last_period_start", "last_sent_at")
    list_filter = ("frequency", "is_active")
    readonly_fields = ("last_period_start", "last_sent_at", "created_by")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
