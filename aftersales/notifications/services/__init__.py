"""Write notifications: in-app notices, the event outbox, its fan-out, and the senders.

A package of modules; the names callers use are re-exported here.
"""

from aftersales.notifications.services.delivery import (
    deliveries_claim,
    deliveries_send,
    delivery_retry,
    email_message,
    retry_delay,
)
from aftersales.notifications.services.events import (
    case_created,
    case_replied,
    case_transitioned,
    engineer_dispatched,
    event_build,
    event_emit,
    events_save,
    is_replay,
    part_return_overdue,
    part_return_reminder,
    part_shipped,
)
from aftersales.notifications.services.fanout import (
    customer_should_hear,
    events_fan_out,
    notices_fan_out,
)
from aftersales.notifications.services.notices import notifications_build, notifications_save
from aftersales.notifications.services.preferences import (
    customer_preferences_set,
    preferences_set,
)
from aftersales.notifications.services.purge import (
    PurgeResult,
    notifications_purge,
    retention_cutoff,
)
from aftersales.notifications.services.run import DeliverResult, notifications_deliver

__all__ = [
    "DeliverResult",
    "PurgeResult",
    "case_created",
    "case_replied",
    "case_transitioned",
    "customer_preferences_set",
    "customer_should_hear",
    "deliveries_claim",
    "deliveries_send",
    "delivery_retry",
    "email_message",
    "engineer_dispatched",
    "event_build",
    "event_emit",
    "events_fan_out",
    "events_save",
    "is_replay",
    "notices_fan_out",
    "notifications_build",
    "notifications_deliver",
    "notifications_purge",
    "notifications_save",
    "part_return_overdue",
    "part_return_reminder",
    "part_shipped",
    "preferences_set",
    "retention_cutoff",
    "retry_delay",
]
