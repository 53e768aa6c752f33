"""Admin for the catalogue and depots; stock, the ledger and orders are read-only here because
they change only through the services (which keep stock equal to the ledger)."""

from typing import Any

from django.contrib import admin

from aftersales.parts.models import (
    Depot,
    ExchangeRepair,
    MinimumLevel,
    Part,
    Replacement,
    ReplenishmentRequest,
    SerialUnit,
    Stock,
    StockMovement,
)


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["part_number", "name", "serial_tracked", "unit_cost"]
    search_fields = ["part_number", "name"]
    filter_horizontal = ["substitutes", "compatible_products"]


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "calendar"]
    search_fields = ["code", "name"]


@admin.register(MinimumLevel)
class MinimumLevelAdmin(admin.ModelAdmin):
    list_display = ["depot", "part", "minimum"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ["depot", "part", "condition", "quantity"]
    list_filter = ["condition", "depot"]


@admin.register(SerialUnit)
class SerialUnitAdmin(ReadOnlyAdmin):
    list_display = ["serial_number", "part", "depot", "condition"]
    search_fields = ["serial_number"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "depot", "part", "from_condition", "to_condition", "quantity"]
    list_filter = ["kind", "depot"]


@admin.register(Replacement)
class ReplacementAdmin(ReadOnlyAdmin):
    list_display = ["number", "case", "part", "depot", "status", "ship_by", "return_due"]
    list_filter = ["status"]
    search_fields = ["number", "case__number"]


@admin.register(ExchangeRepair)
class ExchangeRepairAdmin(ReadOnlyAdmin):
    list_display = ["number", "case", "part", "depot", "status", "due_at"]
    list_filter = ["status"]


@admin.register(ReplenishmentRequest)
class ReplenishmentRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "depot", "part", "quantity", "status"]
    list_filter = ["status"]
