from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import ValidationFailed
from aftersales.notifications.choices import DeliveryStatus
from aftersales.notifications.models import (
    CustomerNotificationSettings,
    Delivery,
    EventPreference,
    Notification,
    NotificationEvent,
    OnCallShift,
    UserNotificationSettings,
    WebhookEndpoint,
)
from aftersales.notifications.services import delivery_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "case", "title", "read_at", "dispatched_at")
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
        "dispatched_at",
    )
    list_select_related = ("recipient", "case")


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log: shown, filtered and searched, never edited by hand."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(NotificationEvent)
class NotificationEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "case", "status", "processed_at")
    list_filter = ("status", "kind")
    search_fields = ("=case__number", "dedupe_key")
    list_select_related = ("case",)
    date_hierarchy = "created_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: every e-mail, SMS and webhook call, its attempts and last answer."""

    list_display = (
        "created_at",
        "channel",
        "kind",
        "case",
        "address",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "kind", "endpoint")
    search_fields = ("=case__number", "address", "message_id", "subject")
    list_select_related = ("case", "endpoint")
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.action(description=_("Send the selected failed deliveries again"))
    def retry(self, request, queryset):  # type: ignore[no-untyped-def]
        done = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                delivery_retry(delivery=delivery, by=request.user)
                done += 1
            except ValidationFailed as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(
            request, _("%(count)d deliveries queued again.") % {"count": done}, messages.SUCCESS
        )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    # A URL typed without a scheme is read as https (Django 6's default; 5.2 warns and says http).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ("user", "starts_at", "ends_at", "team", "region", "note")
    list_filter = ("team", "region")
    search_fields = ("user__username", "user__first_name", "user__last_name", "note")
    autocomplete_fields = ("user",)
    date_hierarchy = "starts_at"


class UserPreferenceInline(admin.TabularInline):
    model = EventPreference
    fk_name = "user_settings"
    exclude = ("customer_settings",)
    extra = 0


class CustomerPreferenceInline(admin.TabularInline):
    model = EventPreference
    fk_name = "customer_settings"
    exclude = ("user_settings",)
    extra = 0


@admin.register(UserNotificationSettings)
class UserNotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "quiet_hours_start", "quiet_hours_end")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
    inlines = [UserPreferenceInline]


@admin.register(CustomerNotificationSettings)
class CustomerNotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("customer", "language")
    search_fields = ("customer__name", "customer__code")
    autocomplete_fields = ("customer",)
    inlines = [CustomerPreferenceInline]
