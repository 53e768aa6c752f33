"""Service reports in the admin: read-only (drafts are written and signed on the pages and the
API; a signed report never changes)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aftersales.servicereports.models import ReportAddendum, ServiceReport


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AddendumInline(_ReadOnly, admin.TabularInline):
    model = ReportAddendum
    extra = 0
    fields = ("at", "author", "text", "pdf")
    readonly_fields = fields


@admin.register(ServiceReport)
class ServiceReportAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "case", "status", "engineer", "signer_name", "signed_at", "created_at")
    list_filter = ("status",)
    search_fields = ("case__number", "signer_name", "engineer__username")
    list_select_related = ("case", "engineer")
    date_hierarchy = "created_at"
    inlines = [AddendumInline]
    readonly_fields = (
        "case",
        "visit",
        "status",
        "problem",
        "diagnosis",
        "solution",
        "repair_process",
        "parts",
        "test_results",
        "engineer",
        "created_at",
        "updated_at",
        "signer_name",
        "signer_email",
        "signed_at",
        "signature",
        "pdf",
    )
    fields = readonly_fields
