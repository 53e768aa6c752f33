"""Administration of the e-mail intake: mailboxes (the password is never shown back) and the
ledger of received messages, with retry, release and discard for quarantined ones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import DomainError
from aftersales.mailin import services
from aftersales.mailin.models import InboundMessage, Mailbox


class MailboxForm(forms.ModelForm):
    """The password field is write-only: empty keeps the stored password."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored, never shown again. Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "is_active",
            "address",
            "host",
            "port",
            "security",
            "tls_verify",
            "username",
            "password",
            "folder",
            "processed_folder",
            "fetch_since",
            "max_message_bytes",
            "unknown_senders",
            "case_type",
            "severity",
        )

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password") or ""
        if not value and self.instance.pk:
            return Mailbox.objects.values_list("password", flat=True).get(pk=self.instance.pk)
        return value


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "name",
        "address",
        "host",
        "folder",
        "is_active",
        "last_success_at",
        "failure_count",
        "alerted_at",
    )
    list_filter = ("is_active", "security")
    search_fields = ("name", "address", "host")
    readonly_fields = (
        "last_fetch_at",
        "last_success_at",
        "failure_count",
        "last_error",
        "alerted_at",
        "uidvalidity",
    )
    fieldsets = (
        (None, {"fields": ("name", "is_active", "address")}),
        (
            _("Server"),
            {
                "fields": (
                    "host",
                    "port",
                    "security",
                    "tls_verify",
                    "username",
                    "password",
                    "folder",
                    "processed_folder",
                    "fetch_since",
                    "max_message_bytes",
                )
            },
        ),
        (_("New cases"), {"fields": ("unknown_senders", "case_type", "severity")}),
        (
            _("Status"),
            {
                "fields": (
                    "last_fetch_at",
                    "last_success_at",
                    "failure_count",
                    "last_error",
                    "alerted_at",
                    "uidvalidity",
                )
            },
        ),
    )
    actions = ["fetch_now"]

    @admin.action(description=_("Fetch new mail now"))
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            result = services.mailbox_fetch(mailbox=mailbox)
            if result.error:
                self.message_user(
                    request,
                    gettext("%(name)s: %(error)s") % {"name": mailbox.name, "error": result.error},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(name)s: %(new)d new message(s), %(quarantined)d quarantined "
                        "(%(too_large)d too large, not downloaded)."
                    )
                    % {
                        "name": mailbox.name,
                        "new": result.new,
                        "quarantined": result.quarantined,
                        "too_large": result.too_large,
                    },
                )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "sender",
        "subject",
        "mailbox",
        "status",
        "reason",
        "action",
        "case",
        "attempts",
        "next_attempt_at",
    )
    list_filter = ("status", "reason", "action", "mailbox")
    search_fields = ("sender", "subject", "message_id", "case__number")
    date_hierarchy = "received_at"
    list_select_related = ("mailbox", "case")
    actions = ["retry", "release", "discard"]

    exclude = ("raw",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in InboundMessage._meta.fields if f.name != "raw"] + ["original"]

    @admin.display(description=_("original message (first 20,000 bytes)"))
    def original(self, obj: InboundMessage) -> str:
        if not obj.raw:
            if obj.reason == "too_large":
                return gettext(
                    "Not downloaded (too large): it is still on the mail server; "
                    "releasing it downloads it."
                )
            return "—"
        try:
            with obj.raw.open("rb") as handle:
                head = handle.read(20_000)
        except OSError as exc:
            return str(exc)
        return format_html("<pre>{}</pre>", head.decode("utf-8", "replace"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Never dropped: a message leaves the quarantine by processing or by being discarded.
        return False

    def _each(self, request: HttpRequest, queryset: QuerySet[InboundMessage], handle: Any) -> None:
        done = failed = 0
        for message in queryset:
            try:
                result = handle(message)
            except DomainError as exc:
                self.message_user(request, f"{message}: {exc.message}", messages.ERROR)
                failed += 1
                continue
            if result.status == "quarantined":
                failed += 1
            else:
                done += 1
        self.message_user(
            request,
            gettext("%(done)d message(s) handled, %(failed)d still in quarantine or refused.")
            % {"done": done, "failed": failed},
            messages.SUCCESS if not failed else messages.WARNING,
        )

    @admin.action(description=_("Retry the selected quarantined messages"))
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        self._each(request, queryset, lambda m: services.inbound_retry(message=m, by=request.user))

    @admin.action(description=_("Release (no size limit, lenient decoding) and process"))
    def release(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        self._each(
            request,
            queryset,
            lambda m: services.inbound_retry(message=m, by=request.user, release=True),
        )

    @admin.action(description=_("Discard (keep recorded, stop retrying)"))
    def discard(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        self._each(
            request, queryset, lambda m: services.inbound_discard(message=m, by=request.user)
        )
