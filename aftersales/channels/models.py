"""Phone calls, inbound SMS, the directory of known numbers and the webhook event ledger.

These are logs beside the cases, not parts of them: a call or an SMS points at the case it was
logged on (if any), and the case's own timeline gets the entry through the case services. The
references use ``SET_NULL`` so that deleting a case, contact or customer never fails because of a
log line, and the log keeps the number it was about.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.channels.choices import CallState, KnownNumberSource, SmsAction, WebhookSource


class KnownNumber(models.Model):
    """One normalised phone number of a contact or a customer: the index callers and SMS senders
    are identified by (``channels.phones.normalize``).

    Kept by the channels app whenever a contact or customer is saved, rebuilt by
    ``aftersales channels_reindex`` (after a bulk import that bypassed ``save()``, or after
    ``CHANNELS_LOCAL_AREA_CODE`` changed).
    """

    number = models.CharField(_("number"), max_length=32)
    source = models.CharField(_("source"), max_length=20, choices=KnownNumberSource.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the (customer, contact) index serves look-ups by owner
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("known number")
        verbose_name_plural = _("known numbers")
        indexes = [
            models.Index(fields=["number"], name="channels_knownnumber_num_idx"),
            models.Index(fields=["customer", "contact"], name="channels_knownnumber_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class Call(models.Model):
    """A phone call reported by the call-center system (CTI), from its first event to its end.

    The caller is identified by number when the call is first seen. A call from a known contact
    with an open case is logged on their newest open case; otherwise the agent links it to a case
    or opens a new one from the screen-pop, and a call that ends on no case opens a draft case
    (``needs_completion``). Once linked and ended, the call is written to the case's timeline as
    an internal note (direction, duration, recording link: the recording is for staff only).
    """

    external_id = models.CharField(
        _("call id"), max_length=100, help_text=_("The call-center system's id of the call.")
    )
    caller_number = models.CharField(_("caller number"), max_length=40, help_text=_("As sent."))
    caller_normalized = models.CharField(_("caller number (normalised)"), max_length=32)
    callee = models.CharField(
        _("callee"),
        max_length=40,
        blank=True,
        help_text=_("The extension or number that was called, as sent."),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (agent, started_at) index serves the screen-pop
        help_text=_("The user whose phone extension took or rang for the call."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
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
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=CallState.choices, default=CallState.RINGING
    )
    started_at = models.DateTimeField(_("started at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    logged_at = models.DateTimeField(
        _("written to the case at"),
        null=True,
        blank=True,
        help_text=_("When the call was written to its case's timeline."),
    )
    dismissed_at = models.DateTimeField(
        _("screen-pop dismissed at"), null=True, blank=True, editable=False
    )
    needs_completion = models.BooleanField(
        _("draft case to complete"),
        default=False,
        help_text=_(
            "The case was opened from this call as a draft (status new, channel phone, assigned "
            "to the answering agent); the agent still has to complete it."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="channels_call_unique_external_id")
        ]
        indexes = [
            models.Index(fields=["agent", "-started_at"], name="channels_call_agent_idx"),
            models.Index(fields=["-started_at"], name="channels_call_started_idx"),
            models.Index(fields=["caller_normalized"], name="channels_call_caller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def talk_time(self) -> timedelta | None:
        """How long the caller talked with an agent (None: not answered or not ended yet)."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(self.ended_at - self.answered_at, timedelta(0))

    @property
    def is_live(self) -> bool:
        return self.state in (CallState.RINGING, CallState.ANSWERED)


class SmsMessage(models.Model):
    """An inbound SMS and what became of it: a new case, or a comment on an open one."""

    sender = models.CharField(_("sender"), max_length=40, help_text=_("As sent."))
    sender_normalized = models.CharField(_("sender (normalised)"), max_length=32)
    recipient = models.CharField(
        _("recipient"), max_length=40, blank=True, help_text=_("Our number it was sent to.")
    )
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received at"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
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
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.ForeignKey(
        "cases.Comment",
        verbose_name=_("comment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(_("result"), max_length=10, choices=SmsAction.choices)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["sender_normalized", "-received_at"], name="channels_sms_sender_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class WebhookEvent(models.Model):
    """An accepted webhook delivery, by the sender's event id: a retried delivery of the same
    event is answered from here and changes nothing (each event is applied once)."""

    source = models.CharField(_("source"), max_length=10, choices=WebhookSource.choices)
    event_id = models.CharField(_("event id"), max_length=200)
    fingerprint = models.CharField(
        _("body fingerprint"), max_length=64, help_text=_("SHA-256 of the request body.")
    )
    received_at = models.DateTimeField(_("received at"))
    response = models.JSONField(_("response"), default=dict, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"], name="channels_webhookevent_unique_event"
            )
        ]
        indexes = [models.Index(fields=["received_at"], name="channels_webhookevent_at_idx")]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id}"


class Chat(models.Model):
    """The portal chat on a case: who answers it and whether the customer is waiting.

    The messages themselves are the case's public comments (written through the case services),
    so the chat and the timeline are one conversation. ``waiting_since`` is set by a customer's
    message and cleared by a staff reply: the console lists the chats waiting for an answer.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The on-duty agent who answers this chat."),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    started_at = models.DateTimeField(_("started at"))
    waiting_since = models.DateTimeField(
        _("customer waiting since"),
        null=True,
        blank=True,
        help_text=_("The customer's oldest message without a staff answer after it."),
    )
    last_message_at = models.DateTimeField(_("last message at"))

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "waiting_since"], name="channels_chat_waiting_idx"),
        ]

    def __str__(self) -> str:
        return str(self.case)
