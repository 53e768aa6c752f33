from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimScope(models.TextChoices):
    """What the warranty covers (the seed's scope)."""

    MANUFACTURING_DEFECT = (
        "manufacturing_defect",
        _("Defect in materials, workmanship or assembly"),
    )
    PERFORMANCE_FAULT = "performance_fault", _("Performance fault or malfunction in use")
    OTHER_NON_MAN_MADE = "other_non_man_made", _("Other damage not caused by people")


class ClaimExclusion(models.TextChoices):
    """What the warranty excludes (the seed's four exclusions)."""

    AGAINST_MANUAL = "against_manual", _("Use or upkeep against the manual")
    ABNORMAL_ENVIRONMENT = "abnormal_environment", _("Abnormal environment or operation")
    ACCIDENT = "accident", _("Accident, natural disaster or force majeure")
    UNAUTHORISED_REPAIR = "unauthorised_repair", _("Unauthorised repair or modification")


class ClaimDecision(models.TextChoices):
    COVERED = "covered", _("Covered")
    NOT_COVERED = "not_covered", _("Not covered")
    PARTLY_COVERED = "partly_covered", _("Partly covered")


class ClaimRemedy(models.TextChoices):
    FREE_REPAIR = "free_repair", _("Free repair")
    FREE_REPLACEMENT = "free_replacement", _("Free replacement")
    REFUND = "refund", _("Refund")


class QuoteStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class QuoteLineKind(models.TextChoices):
    PARTS = "parts", _("Parts")
    LABOUR = "labour", _("Labour")
    TRAVEL = "travel", _("Travel")
