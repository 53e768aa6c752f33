"""Admin of the channels logs: calls, inbound SMS, chats, webhook events, the number directory.

These are records of what arrived; they are read here, not edited (cases change only through
the case services). The directory can be rebuilt with ``aftersales channels_reindex``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from aftersales.channels.models import Call, Chat, KnownNumber, SmsMessage, WebhookEvent


class _ReadOnlyAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(_ReadOnlyAdmin):
    list_display = (
        "started_at",
        "caller_number",
        "callee",
        "agent",
        "state",
        "customer",
        "case",
        "needs_completion",
    )
    list_filter = ("state", "needs_completion")
    search_fields = ("external_id", "caller_number", "caller_normalized", "case__number")
    date_hierarchy = "started_at"
    list_select_related = ("agent", "customer", "case")


@admin.register(SmsMessage)
class SmsMessageAdmin(_ReadOnlyAdmin):
    list_display = ("received_at", "sender", "action", "customer", "case", "text")
    list_filter = ("action",)
    search_fields = ("sender", "sender_normalized", "text", "case__number")
    date_hierarchy = "received_at"
    list_select_related = ("customer", "case")


@admin.register(Chat)
class ChatAdmin(_ReadOnlyAdmin):
    list_display = ("case", "agent", "started_at", "waiting_since", "last_message_at")
    search_fields = ("case__number",)
    list_select_related = ("case", "agent")


@admin.register(WebhookEvent)
class WebhookEventAdmin(_ReadOnlyAdmin):
    list_display = ("received_at", "source", "event_id")
    list_filter = ("source",)
    search_fields = ("event_id",)
    date_hierarchy = "received_at"


@admin.register(KnownNumber)
class KnownNumberAdmin(_ReadOnlyAdmin):
    list_display = ("number", "source", "customer", "contact")
    list_filter = ("source",)
    search_fields = ("number", "customer__name", "contact__name")
    list_select_related = ("customer", "contact")
