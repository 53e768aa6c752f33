"""One run of the delivery task: fan out new events and notices, then send what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aftersales.notifications.services.delivery import SendResult, deliveries_send
from aftersales.notifications.services.fanout import (
    FanOutResult,
    events_fan_out,
    notices_fan_out,
)


@dataclass
class DeliverResult:
    events: FanOutResult
    notices: FanOutResult
    sent: SendResult

    def as_dict(self) -> dict[str, int]:
        return {
            "events": self.events.events,
            "stale_events": self.events.stale,
            "notices": self.notices.notices,
            "oncall_notices": self.events.oncall_notices,
            "deliveries": self.events.deliveries + self.notices.deliveries,
            "sent": self.sent.sent,
            "retried": self.sent.retried,
            "failed": self.sent.failed,
        }


def notifications_deliver(
    *, now: datetime | None = None, budget_seconds: float | None = None
) -> DeliverResult:
    """Fan out pending events (the on-call notices they make included) and staff notices into
    deliveries, then send every due delivery. Safe to run in several workers at once."""
    events = events_fan_out(now=now)
    notices = notices_fan_out(now=now)
    sent = deliveries_send(now=now, budget_seconds=budget_seconds)
    return DeliverResult(events=events, notices=notices, sent=sent)
