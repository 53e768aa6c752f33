"""Acceptance inspection in the admin: the per-category document list and checklist are edited
here; deliveries are shown, and signed stages are read-only (corrections are addenda)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aftersales.inspection.models import (
    ChecklistItem,
    Delivery,
    DeliveryLine,
    Dispute,
    Inspection,
    RequiredDocument,
)


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    list_display = ("category", "name", "position")
    list_filter = ("category",)
    list_editable = ("position",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("category", "name", "lower", "upper", "unit", "position")
    list_filter = ("category",)


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(_ReadOnly, admin.TabularInline):
    model = DeliveryLine
    extra = 0
    fields = ("product", "quantity", "serials", "verdict", "reasons")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("__str__", "customer", "project", "delivery_date", "status")
    list_filter = ("status",)
    search_fields = ("customer__name", "project", "supplier")
    inlines = [LineInline]


@admin.register(Inspection)
class InspectionAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("__str__", "stage", "signer_name", "signer_role", "signed_at")
    list_filter = ("stage",)


@admin.register(Dispute)
class DisputeAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("__str__", "status", "appraisal_body", "verdict", "raised_at")
    list_filter = ("status",)
