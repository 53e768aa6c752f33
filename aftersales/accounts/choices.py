from django.db import models
from django.utils.translation import gettext_lazy as _


class UserRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Service supervisor")
    AGENT = "agent", _("Call-center agent")
    ENGINEER = "engineer", _("Engineer")
    PARTS_CLERK = "parts_clerk", _("Spare-parts clerk")
    INSPECTOR = "inspector", _("Quality inspector")
    CUSTOMER_CONTACT = "customer_contact", _("Customer contact")


STAFF_ROLES = frozenset(r for r in UserRole if r != UserRole.CUSTOMER_CONTACT)


class TeamAssignment(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round robin among members on duty")
    LEAST_LOADED = "least_loaded", _("Least loaded member on duty")
