from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnKind(models.TextChoices):
    RETURN = "return", _("Return (refund)")
    EXCHANGE = "exchange", _("Exchange")


class ReturnReason(models.TextChoices):
    QUALITY = "quality", _("Quality problem")
    DAMAGED_IN_TRANSPORT = "damaged_in_transport", _("Damaged in transport")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    OTHER = "other", _("Other")


class ReturnStep(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved (RMA issued)")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Goods received")
    INSPECTED = "inspected", _("Inspected")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Exchanged")
