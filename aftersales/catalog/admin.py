from django.contrib import admin

from aftersales.catalog.models import Asset, Contract, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "manufacturer", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("code", "name", "category")


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
