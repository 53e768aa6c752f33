from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceLevel(models.TextChoices):
    STANDARD_5X8 = "5x8", _("5x8 hotline")
    PREMIUM_7X24 = "7x24", _("7x24 hotline")


class WarrantyStart(models.TextChoices):
    PURCHASE = "purchase", _("From the purchase date")
    FINAL_ACCEPTANCE = "final_acceptance", _("From the final acceptance date")


class ServiceStage(models.TextChoices):
    SUPPLY_ACCEPTANCE = "supply_acceptance", _("Supply and acceptance")
    INSTALLATION = "installation", _("Installation and commissioning")
    TRIAL_OPERATION = "trial_operation", _("Trial operation")
    IN_WARRANTY = "in_warranty", _("In warranty")
    OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")


class CoverageKind(models.TextChoices):
    HARDWARE = "hardware", _("Hardware warranty")
    SOFTWARE = "software", _("Software upgrades")
