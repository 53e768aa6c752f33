from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.accounts import throttling, twofactor
from aftersales.accounts.models import Team, User
from aftersales.accounts.services import _sync_flags
from aftersales.core.errors import DomainError


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
    actions = ("unlock_sign_in", "reset_two_factor")

    @admin.action(description=_("Unlock sign-in (clear failed attempts)"))
    def unlock_sign_in(self, request, queryset):  # type: ignore[no-untyped-def]
        for user in queryset:
            throttling.unlock(username=user.username)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Sign-in unlocked for %(n)d user.", "Sign-in unlocked for %(n)d users.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):  # type: ignore[no-untyped-def]
        count = 0
        for user in queryset:
            try:
                twofactor.disable(user=user, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc.message}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(n)d user; they set it up again at next sign-in.",
                "Two-factor sign-in reset for %(n)d users; they set it up again at next sign-in.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )

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
