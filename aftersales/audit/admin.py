from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aftersales.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only (export it from /audit/)."""

    list_display = ("at", "actor_name", "action", "object_type", "object_repr", "source")
    list_filter = ("action", "source", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
