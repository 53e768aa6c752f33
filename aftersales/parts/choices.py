"""Choice sets of the spare-parts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    RESERVED = "reserved", _("Reserved")
    FAULTY = "faulty", _("Faulty (awaiting repair)")
    IN_REPAIR = "in_repair", _("In repair")
    SCRAPPED = "scrapped", _("Scrapped")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt from the manufacturer")
    RESERVATION = "reservation", _("Reservation")
    RELEASE = "release", _("Reservation released")
    SHIPMENT = "shipment", _("Shipment")
    DELIVERY = "delivery", _("Delivery")
    RETURN = "return", _("Return of a faulty part")
    REPAIR = "repair", _("Repair")
    SCRAP = "scrap", _("Scrap")
    TRANSFER = "transfer", _("Transfer between depots")
    CORRECTION = "correction", _("Count correction")
    USE = "use", _("Used in an exchange repair")


class ReplacementStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered, faulty part due back")
    RETURNED = "returned", _("Faulty part received")
    CANCELLED = "cancelled", _("Cancelled")


class ExchangeStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REPAIR = "in_repair", _("In repair")
    REPAIRED = "repaired", _("Repaired")
    REPLACED = "replaced", _("Replaced")
    SHIPPED_BACK = "shipped_back", _("Shipped back")


EXCHANGE_NEXT: dict[str, tuple[str, ...]] = {
    ExchangeStatus.RECEIVED: (ExchangeStatus.IN_REPAIR,),
    ExchangeStatus.IN_REPAIR: (ExchangeStatus.REPAIRED, ExchangeStatus.REPLACED),
    ExchangeStatus.REPAIRED: (ExchangeStatus.SHIPPED_BACK,),
    ExchangeStatus.REPLACED: (ExchangeStatus.SHIPPED_BACK,),
    ExchangeStatus.SHIPPED_BACK: (),
}


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ORDERED = "ordered", _("Ordered")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")
