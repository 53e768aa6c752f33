from django.contrib import admin

from aftersales.customers.models import Contact, Customer, Region, Site


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "supervisor")
    search_fields = ("code", "name")
    autocomplete_fields = ("supervisor",)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "title", "phone", "mobile", "email", "is_primary")


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ("name", "address", "region")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "industry", "phone", "is_active")
    list_filter = ("region", "is_active")
    search_fields = (
        "code",
        "name",
        "phone",
        "contacts__name",
        "contacts__phone",
        "contacts__mobile",
    )
    inlines = [ContactInline, SiteInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "phone", "mobile", "email", "is_primary")
    search_fields = ("name", "phone", "mobile", "email", "customer__name", "customer__code")
    autocomplete_fields = ("customer",)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "region", "address")
    search_fields = ("name", "address", "customer__name")
    list_filter = ("region",)
    autocomplete_fields = ("customer",)
