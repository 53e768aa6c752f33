from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", _("IMAPS (TLS from the start, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143, then TLS)")
    PLAIN = "plain", _("Plain text (loopback hosts only)")


class UnknownSenderPolicy(models.TextChoices):
    UNASSIGNED = "unassigned", _("Open a case for the “unassigned” customer")
    REJECT = "reject", _("Reject (record the message, open no case)")


class InboundStatus(models.TextChoices):
    PROCESSED = "processed", pgettext_lazy("mail status", "Processed")
    IGNORED = "ignored", pgettext_lazy("mail status", "Ignored (automatic mail)")
    REJECTED = "rejected", pgettext_lazy("mail status", "Rejected (unknown sender)")
    QUARANTINED = "quarantined", pgettext_lazy("mail status", "Quarantined")
    DISCARDED = "discarded", pgettext_lazy("mail status", "Discarded by an administrator")


class InboundAction(models.TextChoices):
    NONE = "", pgettext_lazy("mail action", "None")
    OPENED = "opened", pgettext_lazy("mail action", "Opened a case")
    COMMENTED = "commented", pgettext_lazy("mail action", "Commented on a case")
    REOPENED = "reopened", pgettext_lazy("mail action", "Commented on and reopened a case")


class InboundReason(models.TextChoices):
    """Why a message opened no case (codes are stable; labels are for people)."""

    NONE = "", _("None")
    AUTO_SUBMITTED = "auto_submitted", _("Auto-Submitted header")
    PRECEDENCE = "precedence", _("Precedence: bulk, junk, list or auto-reply")
    AUTO_REPLY = "auto_reply", _("Auto-reply header or subject")
    BOUNCE = "bounce", _("Bounce or delivery report")
    OWN_ADDRESS = "own_address", _("Sent from one of our own addresses (mail loop)")
    OWN_MESSAGE = "own_message", _("One of our own outgoing messages (mail loop)")
    FLOOD = "flood", _("Too many messages from this sender (mail loop suspected)")
    NO_SENDER = "no_sender", _("No usable sender address")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
    TOO_LARGE = "too_large", _("Message too large")
    UNDECODABLE = "undecodable", _("Undecodable text")
    ERROR = "error", _("Processing error")
