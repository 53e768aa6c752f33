from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintSubject(models.TextChoices):
    PRODUCT = "product", _("A product")
    SERVICE = "service", _("Our service")
    PERSON = "person", _("A member of our staff")


class ComplaintOutcome(models.TextChoices):
    PENDING = "pending", _("Under investigation")
    UPHELD = "upheld", _("Upheld (we were at fault)")
    NOT_UPHELD = "not_upheld", _("Not upheld")


class CompensationKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    CREDIT_NOTE = "credit_note", _("Credit note")
    FREE_SERVICE = "free_service", _("Free service")
    REPLACEMENT = "replacement", _("Replacement")
    GIFT = "gift", _("Gift")


class CompensationState(models.TextChoices):
    NONE = "none", _("None")
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
