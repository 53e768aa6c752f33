from django.db import models
from django.utils.translation import gettext_lazy as _


class SlaTargetKind(models.TextChoices):
    RESPONSE = "response", _("Response")
    ONSITE = "onsite", _("Engineer on site")
    CONFIRM = "confirm", _("Fault cause confirmed")
    RESTORE = "restore", _("Service restored")
    FOLLOW_UP = "follow_up", _("Follow-up service")
    REMEDY = "remedy", _("Remedy carried out")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class ClockEventKind(models.TextChoices):
    STARTED = "started", _("Started")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    RECOMPUTED = "recomputed", _("Recomputed")
    WARNING = "warning", _("Warning")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")
    CANCELLED = "cancelled", _("Cancelled")


class PolicyServiceLevel(models.TextChoices):
    ANY = "", _("Any")
    STANDARD_5X8 = "5x8", _("5x8 contract")
    PREMIUM_7X24 = "7x24", _("7x24 contract")
    NONE = "none", _("No contract in force")


class WarrantyCondition(models.TextChoices):
    ANY = "", _("Any")
    IN_WARRANTY = "in_warranty", _("Asset in warranty")
    OUT_OF_WARRANTY = "out_of_warranty", _("Asset out of warranty or unknown")


class EscalationRecipient(models.TextChoices):
    ASSIGNEE = "assignee", _("Assignee")
    TEAM_LEAD = "team_lead", _("Team lead")
    REGIONAL_SUPERVISOR = "regional_supervisor", _("Regional supervisor")
    SERVICE_DIRECTOR = "service_director", _("Service director")


# Targets whose clock starts when the case is reported; follow-up starts on resolution.
STARTS_ON_RESOLUTION = frozenset({SlaTargetKind.FOLLOW_UP})
# Targets whose clock another feature starts with ``sla_start_target`` (a warranty claim's
# remedy starts on the supervisor's decision).
STARTS_ON_EVENT = frozenset({SlaTargetKind.REMEDY})
