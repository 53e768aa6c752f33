from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Team, User
from aftersales.accounts.services import _sync_flags


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "get_full_name",
        "role",
        "customer",
        "email",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_active", "language")
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "phone",
        "phone_extension",
        "customer__name",
    )
    autocomplete_fields = ("customer",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role"), {"fields": ("role", "customer")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "email", "phone", "phone_extension")},
        ),
        (_("Preferences"), {"fields": ("language", "timezone")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "is_available",
                    "is_service_director",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "role", "customer"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The role decides admin access; keep the flags in step whatever was edited.
        _sync_flags(obj)
        super().save_model(request, obj, form, change)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "lead", "region", "assignment")
    search_fields = ("code", "name")
    filter_horizontal = ("members",)
    autocomplete_fields = ("lead",)
