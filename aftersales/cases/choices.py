from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("case status", "New")
    RESPONDED = "responded", pgettext_lazy("case status", "Responded")
    DIAGNOSING = "diagnosing", pgettext_lazy("case status", "Diagnosing")
    DISPATCHED = "dispatched", pgettext_lazy("case status", "Dispatched")
    IN_PROGRESS = "in_progress", pgettext_lazy("case status", "In progress")
    WAITING_CUSTOMER = "waiting_customer", pgettext_lazy("case status", "Waiting for customer")
    WAITING_PARTS = "waiting_parts", pgettext_lazy("case status", "Waiting for parts")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


class CaseType(models.TextChoices):
    FAULT = "fault", _("Fault repair")
    CONSULTATION = "consultation", _("Technical consultation")
    REMOTE_SUPPORT = "remote_support", _("Remote support")
    WARRANTY_CLAIM = "warranty_claim", _("Warranty claim")
    RETURN_EXCHANGE = "return_exchange", _("Return or exchange")
    COMPLAINT = "complaint", _("Complaint")
    INSTALLATION = "installation", _("Installation and commissioning")
    VISIT = "visit", _("Customer visit")
    MAINTENANCE = "maintenance", _("Preventive maintenance")
    UPGRADE = "upgrade", _("Upgrade")


class CaseChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("Web portal")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    SOCIAL = "social", _("Social media")
    API = "api", _("API")


class CaseSeverity(models.TextChoices):
    C1 = "C-1", _("C-1 critical")
    C2 = "C-2", _("C-2 major")
    C3 = "C-3", _("C-3 minor")


class CaseEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    REOPENED = "reopened", _("Reopened")
    FIELD_CHANGED = "field_changed", _("Field changed")
    COMMENTED = "commented", _("Comment")
    ESCALATED = "escalated", _("Escalated")
    SLA = "sla", _("Service-level clock")
    NOTIFIED = "notified", _("Notification")
    ATTACHED = "attached", _("File attached")
    RATED = "rated", _("Service rated")
    CLAIM = "claim", _("Warranty claim")
    QUOTE = "quote", _("Quote")
    RETURN = "return", _("Return or exchange")
    COMPLAINT = "complaint", _("Complaint")
    DISPATCH = "dispatch", _("Engineer dispatched")
    VISIT = "visit", _("Visit")
    REPORT = "report", _("Service report")


class CaseSlaState(models.TextChoices):
    """The state of a case's running service-level clocks, for lists and colours."""

    NONE = "none", _("No running clock")
    RUNNING = "running", _("On time")
    WARNING = "warning", _("Due soon")
    PAUSED = "paused", _("Paused")
    BREACHED = "breached", _("Overdue")
