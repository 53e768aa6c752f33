"""Notices, the outbox of events, their deliveries, preferences and on-call shifts.

Two sources feed the channels (e-mail, SMS, webhooks):

- ``Notification``: an in-app notice to one staff user (SLA warnings, breaches, escalations),
  written by the SLA sweep and escalations with a dedupe key. ``dispatched_at`` is empty until
  the delivery task has turned it into e-mail/SMS deliveries per the user's preferences.
- ``NotificationEvent``: the outbox. A case service writes one small row per event in its own
  transaction (case created, first response, status change, ...); the delivery task fans it out
  to the customer's contacts, the webhooks and, after hours, the on-call person.

Each ``Delivery`` is one message to one address on one channel, with a unique dedupe key, so a
fan-out that runs twice cannot make a second message.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.notifications.choices import Channel, DeliveryStatus, EventKind, EventStatus


class NotificationKind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("Service-level warning")
    SLA_BREACH = "sla_breach", _("Service-level breach")
    ESCALATION = "escalation", _("Escalation")
    LOW_STOCK = "low_stock", _("Spare part below its minimum stock")
    URGENT_CASE = "urgent_case", _("New urgent case after hours")


class Notification(models.Model):
    """A notice to one user, written in their language when it is created."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    dispatched_at = models.DateTimeField(
        _("passed to the channels at"),
        null=True,
        blank=True,
        help_text=_("Empty: e-mail and SMS deliveries are still to be made for this notice."),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread_idx"),
            # The delivery task's queue: only notices not yet passed on (a short index).
            models.Index(
                fields=["created_at"],
                name="notif_undispatched_idx",
                condition=Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationEvent(models.Model):
    """One event about a case, written by a service in its transaction (the outbox).

    The delivery task reads pending rows, makes the deliveries and marks them done. The unique
    ``dedupe_key`` makes emitting the same event twice a no-op.
    """

    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="notification_events",
        db_index=False,  # looked up by the outbox index or by the dedupe key, never by case
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    # Unique by a constraint rather than ``unique=True``: on PostgreSQL a unique text field also
    # gets a second, ``varchar_pattern_ops`` index for LIKE queries, which nothing runs on this
    # key; every event (one per case created) paid its entry.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification event")
        verbose_name_plural = _("notification events")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notif_event_unique_dedupe_key")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notif_event_pending_idx",
                condition=Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"


def _webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """An integration that receives events as signed JSON POSTs."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        default=_webhook_secret,
        help_text=_(
            "The receiver checks X-Aftersales-Signature: sha256=HMAC-SHA256(secret, raw body)."
        ),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Event kinds to send; empty: all."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        """Return whether this endpoint receives events of ``kind``."""
        return self.is_active and (not self.events or kind in self.events)


class Delivery(models.Model):
    """One message to one address on one channel, with its attempts (the delivery log).

    ``next_attempt_at`` is when a worker may take it: for a pending delivery, its (next) try; for
    one being sent, the end of the sender's lease, after which another worker takes it over.
    """

    event = models.ForeignKey(
        NotificationEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notice"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook endpoint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    address = models.CharField(_("address"), max_length=500)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    html = models.TextField(_("HTML body"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_excerpt = models.TextField(_("response (excerpt)"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The senders' queue: only what is still to send (or stuck in a dead sender's hands).
            models.Index(
                fields=["next_attempt_at"],
                name="notif_delivery_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["status", "-created_at"], name="notif_delivery_status_idx"),
            # The e-mail intake threads a reply by the Message-ID it answers.
            models.Index(
                fields=["message_id"],
                name="notif_delivery_msgid_idx",
                condition=~Q(message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}"


class UserNotificationSettings(models.Model):
    """A person's quiet hours; their per-event channel choices hang off it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    quiet_hours_start = models.TimeField(
        _("quiet hours from"),
        null=True,
        blank=True,
        help_text=_("In the user's time zone. Non-urgent staff notices wait until they end."),
    )
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("user notification settings")
        verbose_name_plural = _("user notification settings")
        constraints = [
            models.CheckConstraint(
                name="notifications_usersettings_quiet_both_or_none",
                condition=(
                    Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                ),
                violation_error_message=_("Give both ends of the quiet hours, or neither."),
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class CustomerNotificationSettings(models.Model):
    """A customer's defaults for its contacts (those without an account use them alone)."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("For contacts without an account. Empty: the site's default language."),
    )

    class Meta:
        verbose_name = _("customer notification settings")
        verbose_name_plural = _("customer notification settings")

    def __str__(self) -> str:
        return str(self.customer)


class EventPreference(models.Model):
    """Which channels carry one kind of event, for one user or as a customer's default."""

    user_settings = models.ForeignKey(
        UserNotificationSettings,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="preferences",
    )
    customer_settings = models.ForeignKey(
        CustomerNotificationSettings,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="preferences",
    )
    event = models.CharField(_("event"), max_length=30, choices=EventKind.choices)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)

    class Meta:
        verbose_name = _("event preference")
        verbose_name_plural = _("event preferences")
        ordering = ["event"]
        constraints = [
            models.CheckConstraint(
                name="notifications_eventpref_one_owner",
                condition=(
                    Q(user_settings__isnull=False, customer_settings__isnull=True)
                    | Q(user_settings__isnull=True, customer_settings__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["user_settings", "event"],
                condition=Q(user_settings__isnull=False),
                name="notifications_eventpref_unique_user",
            ),
            models.UniqueConstraint(
                fields=["customer_settings", "event"],
                condition=Q(customer_settings__isnull=False),
                name="notifications_eventpref_unique_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.get_event_display()

    def channels(self) -> frozenset[str]:
        """Return the channels chosen here."""
        return frozenset(
            c for c, on in ((Channel.EMAIL, self.email), (Channel.SMS, self.sms)) if on
        )


class OnCallShift(models.Model):
    """Someone on call for a period: for one team, one region, or everyone (both empty).

    The minimal roster the after-hours routing needs; field service will extend it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on call"),
        on_delete=models.CASCADE,
        related_name="oncall_shifts",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: not limited to one team."),
    )
    region = models.ForeignKey(
        "customers.Region",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: not limited to one region."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        ordering = ["-starts_at", "id"]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="notif_oncall_period_idx")]
        constraints = [
            models.CheckConstraint(
                name="notifications_oncall_ends_after_start",
                condition=Q(ends_at__gt=models.F("starts_at")),
                violation_error_message=_("A shift must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"
