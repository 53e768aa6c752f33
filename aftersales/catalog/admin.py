from django.contrib import admin

from aftersales.catalog.models import Asset, Contract, ContractRenewal, Product, WarrantyExtension


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "manufacturer", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("code", "name", "category")


class _RecordInline(admin.TabularInline):
    """Rows that are the record of who did what: added through the services, never edited."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ContractRenewalInline(_RecordInline):
    model = ContractRenewal
    fields = (
        "previous_end_date",
        "new_end_date",
        "previous_service_level",
        "new_service_level",
        "reason",
        "reference",
        "created_by",
        "created_at",
    )
    readonly_fields = fields


class WarrantyExtensionInline(_RecordInline):
    model = WarrantyExtension
    fields = ("kind", "start", "end", "reason", "reference", "created_by", "created_at")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "customer",
        "service_level",
        "hardware_warranty_months",
        "warranty_start",
        "start_date",
        "end_date",
    )
    list_filter = ("service_level", "warranty_start", "region")
    search_fields = ("number", "customer__name", "customer__code")
    autocomplete_fields = ("customer",)
    date_hierarchy = "start_date"
    inlines = [ContractRenewalInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = (
        "serial_number",
        "product",
        "customer",
        "contract",
        "purchase_date",
        "final_acceptance_date",
    )
    list_filter = ("product__category",)
    search_fields = ("serial_number", "product__name", "customer__name", "customer__code")
    autocomplete_fields = ("product", "customer", "contract", "site")
    inlines = [WarrantyExtensionInline]
