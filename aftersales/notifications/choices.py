"""Kinds of events, channels and delivery states of the notifications app.

``EventKind`` names both what the outbox records (and webhooks receive) and what people choose
in their preferences. Every kind is either for the customer (its contacts hear about their case)
or for staff (the people on an escalation ladder, and the on-call person after hours).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    # For the customer's contacts.
    CASE_CREATED = "case_created", _("Request registered (acknowledgement)")
    FIRST_RESPONSE = "first_response", _("First response")
    CASE_REPLY = "case_reply", _("Reply from the service team")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CASE_RESOLVED = "case_resolved", _("Case resolved")
    ENGINEER_DISPATCHED = "engineer_dispatched", _("Engineer dispatched")
    PART_SHIPPED = "part_shipped", _("Spare part shipped")
    PART_RETURN_OVERDUE = "part_return_overdue", _("Faulty part return overdue")
    PART_RETURN_REMINDER = "part_return_reminder", _("Faulty part due back soon")
    # Sent by the surveys app itself (one invitation and one reminder per survey), never an
    # outbox row; listed so that contacts choose its channels like any other event.
    SURVEY_INVITATION = "survey_invitation", _("Satisfaction survey invitation")
    # For staff.
    SLA_WARNING = "sla_warning", _("Service-level warning")
    SLA_BREACH = "sla_breach", _("Service-level breach")
    ESCALATION = "escalation", _("Escalation")
    LOW_STOCK = "low_stock", _("Spare part below its minimum stock")
    # Only a notice (never an outbox row): a new urgent case after hours, for the on-call person.
    URGENT_CASE = "urgent_case", _("New urgent case after hours")


CUSTOMER_EVENTS: tuple[str, ...] = (
    EventKind.CASE_CREATED,
    EventKind.FIRST_RESPONSE,
    EventKind.CASE_REPLY,
    EventKind.STATUS_CHANGED,
    EventKind.CASE_RESOLVED,
    EventKind.ENGINEER_DISPATCHED,
    EventKind.PART_SHIPPED,
    EventKind.PART_RETURN_OVERDUE,
    EventKind.PART_RETURN_REMINDER,
    EventKind.SURVEY_INVITATION,
)
STAFF_EVENTS: tuple[str, ...] = (
    EventKind.SLA_WARNING,
    EventKind.SLA_BREACH,
    EventKind.ESCALATION,
    EventKind.LOW_STOCK,
    EventKind.URGENT_CASE,
)

# Staff notices that ignore quiet hours and, after hours, also reach the on-call person.
URGENT_EVENTS = frozenset({EventKind.SLA_BREACH, EventKind.ESCALATION, EventKind.URGENT_CASE})


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


# The channels a person chooses between (webhooks are for integrations, configured by admins).
PERSONAL_CHANNELS: tuple[str, ...] = (Channel.EMAIL, Channel.SMS)

# What a person gets when neither they nor their organisation chose otherwise: e-mail for
# everything they should know; SMS for what is worth a text message.
DEFAULT_CHANNELS: dict[str, frozenset[str]] = {
    EventKind.CASE_CREATED: frozenset({Channel.EMAIL, Channel.SMS}),
    EventKind.FIRST_RESPONSE: frozenset({Channel.EMAIL}),
    EventKind.CASE_REPLY: frozenset({Channel.EMAIL}),
    EventKind.STATUS_CHANGED: frozenset({Channel.EMAIL}),
    EventKind.CASE_RESOLVED: frozenset({Channel.EMAIL}),
    EventKind.ENGINEER_DISPATCHED: frozenset({Channel.EMAIL, Channel.SMS}),
    EventKind.PART_SHIPPED: frozenset({Channel.EMAIL, Channel.SMS}),
    EventKind.PART_RETURN_OVERDUE: frozenset({Channel.EMAIL}),
    EventKind.PART_RETURN_REMINDER: frozenset({Channel.EMAIL}),
    EventKind.SURVEY_INVITATION: frozenset({Channel.EMAIL, Channel.SMS}),
    EventKind.SLA_WARNING: frozenset({Channel.EMAIL}),
    EventKind.SLA_BREACH: frozenset({Channel.EMAIL, Channel.SMS}),
    EventKind.ESCALATION: frozenset({Channel.EMAIL, Channel.SMS}),
    EventKind.LOW_STOCK: frozenset({Channel.EMAIL}),
    EventKind.URGENT_CASE: frozenset({Channel.EMAIL, Channel.SMS}),
}


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent out")
    DONE = "done", _("Sent out")
    STALE = "stale", _("Not sent (too old, or a replay of history)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
