"""E-mail intake: the mailboxes we read and the ledger of every message taken from them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.cases.choices import CaseSeverity, CaseType
from aftersales.core import clock
from aftersales.core.models import TimeStampedModel
from aftersales.mailin.choices import (
    InboundAction,
    InboundReason,
    InboundStatus,
    MailboxSecurity,
    UnknownSenderPolicy,
)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Mailbox(TimeStampedModel):
    """An IMAP folder that customers write to (e.g. support@): read by the periodic fetch.

    The password is stored as given (IMAP needs it in clear to log in) and never shown again,
    logged, or sent by the API. The status fields say whether fetching works; after
    ``MAILIN_ALERT_AFTER_FAILURES`` failed rounds in a row the administrators get an e-mail.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    address = models.EmailField(
        _("address"),
        blank=True,
        help_text=_(
            "The mailbox's own e-mail address: mail from it is a loop and never opens a case."
        ),
    )
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("connection security"),
        max_length=10,
        choices=MailboxSecurity.choices,
        default=MailboxSecurity.SSL,
    )
    tls_verify = models.BooleanField(
        _("verify the server certificate"),
        default=True,
        help_text=_("Turn off only for a server with a self-signed certificate on your network."),
    )
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=255,
        blank=True,
        help_text=_(
            "Optional folder to move messages to once they are recorded. Needed for servers "
            "that do not keep custom flags (e.g. Exchange); otherwise messages stay where they "
            "are, marked with a flag."
        ),
    )
    max_message_bytes = models.PositiveBigIntegerField(
        _("largest message (bytes)"),
        null=True,
        blank=True,
        help_text=_(
            "Larger messages are not downloaded: they are listed in the quarantine, where an "
            "administrator may release them. Empty: the MAILIN_MAX_MESSAGE_BYTES setting."
        ),
    )
    unknown_senders = models.CharField(
        _("mail from unknown senders"),
        max_length=20,
        choices=UnknownSenderPolicy.choices,
        default=UnknownSenderPolicy.UNASSIGNED,
    )
    case_type = models.CharField(
        _("type of new cases"), max_length=20, choices=CaseType.choices, default=CaseType.FAULT
    )
    severity = models.CharField(
        _("severity of new cases"),
        max_length=3,
        choices=CaseSeverity.choices,
        default=CaseSeverity.C3,
    )
    fetch_since = models.DateTimeField(
        _("fetch mail received since"),
        null=True,
        blank=True,
        default=clock.now,
        help_text=_(
            "Older messages in the folder are left alone (so that connecting a mailbox with "
            "years of mail does not open a case for each). Empty: fetch everything."
        ),
    )
    # Status, written by the fetch.
    last_fetch_at = models.DateTimeField(_("last fetch"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(
        _("last successful fetch"), null=True, blank=True, editable=False
    )
    failure_count = models.PositiveIntegerField(
        _("failed fetches in a row"), default=0, editable=False
    )
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    alerted_at = models.DateTimeField(
        _("administrators alerted at"), null=True, blank=True, editable=False
    )
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # Never the password, not even in a debugger or a traceback's locals.
        return f"<Mailbox {self.pk} {self.name!r} {self.username}@{self.host}:{self.port}>"

    def clean(self) -> None:
        super().clean()
        if self.security == MailboxSecurity.PLAIN and self.host.strip() not in LOOPBACK_HOSTS:
            raise ValidationError(
                {
                    "security": _(
                        "Plain-text IMAP is allowed only on this machine (127.0.0.1, ::1, "
                        "localhost); use IMAPS or STARTTLS for %(host)s."
                    )
                    % {"host": self.host}
                }
            )

    @property
    def is_failing(self) -> bool:
        return self.failure_count > 0

    @property
    def message_size_limit(self) -> int:
        """The largest message (bytes) downloaded from this mailbox."""
        if self.max_message_bytes is not None:
            return self.max_message_bytes
        return settings.MAILIN_MAX_MESSAGE_BYTES


def raw_message_path(instance: InboundMessage, filename: str) -> str:
    """Keep original messages under a random name (nothing guessable, nothing colliding)."""
    return f"mailin/{uuid.uuid4().hex}.eml"


class InboundMessage(models.Model):
    """One message taken from a mailbox, exactly once per Message-ID, and what became of it.

    The ledger is what makes intake exactly-once: a message is marked on the IMAP server only
    after its row (with its case or comment, or its quarantine) is committed, and a message
    fetched again is recognised by ``message_key``. It also threads replies: every ingested
    Message-ID is stored with its case.
    """

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    message_id = models.TextField(_("Message-ID"), blank=True)
    message_key = models.CharField(
        _("deduplication key"),
        max_length=64,
        editable=False,
        help_text=_("SHA-256 of the Message-ID (of the whole message when it has none)."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.PROCESSED
    )
    action = models.CharField(
        _("action"), max_length=10, choices=InboundAction.choices, blank=True, default=""
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=InboundReason.choices, blank=True, default=""
    )
    error = models.TextField(_("error"), blank=True)
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Refused attachments, shortened text.")
    )
    sender = models.CharField(_("sender address"), max_length=320, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    sent_at = models.DateTimeField(_("sent at (Date header)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    uid = models.BigIntegerField(_("UID"), null=True, blank=True)
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
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(
        _("HTML (sanitised)"), blank=True, help_text=_("Cleaned with nh3: no scripts or styles.")
    )
    raw = models.FileField(
        _("original message"), upload_to=raw_message_path, max_length=200, blank=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message_key"], name="mailin_message_unique_key"),
        ]
        indexes = [
            models.Index(fields=["sender", "received_at"], name="mailin_message_sender_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="mailin_message_retry_idx",
                condition=models.Q(status="quarantined"),
            ),
            models.Index(fields=["status", "-received_at"], name="mailin_message_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} {self.subject[:60]}"
