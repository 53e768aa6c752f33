"""Which models are configuration (or users) whose every change goes into the audit trail.

Business records (cases, visits, stock movements...) keep their own timelines; these are the
settings that decide how the business records behave, and the people and rights that use them.
"""

from __future__ import annotations

AUDITED_MODELS = (
    # SLA: policies, their targets, the escalation ladder, pauses
    "sla.SlaPolicy",
    "sla.SlaTarget",
    "sla.EscalationRule",
    "sla.SlaPause",
    # Business calendars, their hours and their holidays and make-up days
    "calendars.BusinessCalendar",
    "calendars.WeeklyHours",
    "calendars.CalendarDay",
    "calendars.CalendarDataYear",
    # Notifications: webhooks, on-call, event preferences of organisations
    "notifications.WebhookEndpoint",
    "notifications.OnCallShift",
    "notifications.CustomerNotificationSettings",
    "notifications.EventPreference",
    # Intake and routing
    "mailin.Mailbox",
    "channels.KnownNumber",
    "dispatch.DispatchRule",
    "dispatch.Rotation",
    "dispatch.RotationMember",
    # Catalogue and organisation
    "catalog.Product",
    "customers.Region",
    "inspection.RequiredDocument",
    "inspection.ChecklistItem",
    "parts.Depot",
    "parts.MinimumLevel",
    "surveys.Questionnaire",
    "surveys.Question",
    "kpi.ReportSchedule",
    # People and rights
    "accounts.User",
    "accounts.Team",
    "auth.Group",
)

# Never compared or shown: bookkeeping, or secrets (a changed password is recorded as changed).
IGNORED_FIELDS = frozenset({"created_at", "updated_at", "version", "revision", "last_login"})
SECRET_FIELDS = frozenset({"password", "secret", "token", "api_key", "signing_secret"})
MASK = "********"
