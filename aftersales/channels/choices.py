from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CallState(models.TextChoices):
    """Where a call stands; it only moves forward (ringing → answered → ended)."""

    RINGING = "ringing", pgettext_lazy("call state", "Ringing")
    ANSWERED = "answered", pgettext_lazy("call state", "Answered")
    ENDED = "ended", pgettext_lazy("call state", "Ended")
    MISSED = "missed", pgettext_lazy("call state", "Missed")


class CallEventKind(models.TextChoices):
    """The call events a call-center system reports to the CTI webhook."""

    RINGING = "ringing", pgettext_lazy("call event", "Ringing")
    ANSWERED = "answered", pgettext_lazy("call event", "Answered")
    ENDED = "ended", pgettext_lazy("call event", "Ended")


class WebhookSource(models.TextChoices):
    CTI = "cti", _("Call-center system (CTI)")
    SMS = "sms", _("SMS gateway")


class KnownNumberSource(models.TextChoices):
    """Where a known number comes from; the order is the matching preference (a mobile names one
    person, an office line may be shared, a switchboard names only the organisation)."""

    CONTACT_MOBILE = "contact_mobile", _("Contact's mobile")
    CONTACT_PHONE = "contact_phone", _("Contact's phone")
    CUSTOMER_PHONE = "customer_phone", _("Customer's phone")


SOURCE_RANK = {
    KnownNumberSource.CONTACT_MOBILE: 0,
    KnownNumberSource.CONTACT_PHONE: 1,
    KnownNumberSource.CUSTOMER_PHONE: 2,
}


class SmsAction(models.TextChoices):
    CREATED = "created", _("Opened a case")
    COMMENTED = "commented", _("Added to a case")


# Notification kinds written for messages from customers (read by aftersales.notifications).
NOTIFY_CHAT_MESSAGE = "chat_message"
NOTIFY_SMS_MESSAGE = "sms_message"
