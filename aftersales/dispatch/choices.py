from django.db import models
from django.utils.translation import gettext_lazy as _


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class DistanceClass(models.TextChoices):
    """How far an engineer is from a site, by region (no maps needed)."""

    LOCAL = "local", _("Same region as home")
    SERVED = "served", _("A region served")
    REMOTE = "remote", _("Outside the regions served")


class VisitKind(models.TextChoices):
    ONSITE = "onsite", _("On-site visit")
    REMOTE = "remote", _("Remote session")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TRAVELLING = "travelling", _("Travelling")
    ON_SITE = "on_site", _("On site")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
