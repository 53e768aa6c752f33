from django.contrib import admin

from aftersales.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "case", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "=case__number", "recipient__username")
    readonly_fields = (
        "recipient",
        "kind",
        "case",
        "title",
        "body",
        "data",
        "created_at",
        "dedupe_key",
    )
    list_select_related = ("recipient", "case")
