"""The ledger of webhook events: each event id is applied once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.channels.models import WebhookEvent
from aftersales.core import clock
from aftersales.core.errors import Conflict


def _previous(*, source: str, event_id: str, fingerprint: str) -> dict[str, Any] | None:
    record = WebhookEvent.objects.filter(source=source, event_id=event_id).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise Conflict(
            _("This event id was already used for a different event."), code="event_id_reused"
        )
    return dict(record.response)


def webhook_event_apply(
    *, source: str, event_id: str, fingerprint: str, apply: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Run ``apply`` for a new event and remember its answer; for an event id seen before,
    return the first answer and ``False`` without running anything.

    The event id is claimed (a unique row) in the same transaction as the work: if the work
    fails nothing is remembered and a retry may succeed; two concurrent deliveries of one event
    cannot both do the work (the second waits on the claim and then gets the first answer).

    Raises Conflict when the id was used with a different body, and whatever ``apply`` raises.
    """
    previous = _previous(source=source, event_id=event_id, fingerprint=fingerprint)
    if previous is not None:
        return previous, False
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                source=source,
                event_id=event_id,
                fingerprint=fingerprint,
                received_at=clock.now(),
            )
            response = apply()
            record.response = response
            record.save(update_fields=["response"])
    except IntegrityError:
        previous = _previous(source=source, event_id=event_id, fingerprint=fingerprint)
        if previous is None:
            raise
        return previous, False
    return response, True


@transaction.atomic
def webhook_events_purge(*, older_than: datetime) -> int:
    """Forget event ids received before ``older_than``; return how many.

    A delivery older than the signature tolerance is refused anyway, so only a sender that
    re-signs and retries the same event after this long could apply it twice.
    """
    deleted, _detail = WebhookEvent.objects.filter(received_at__lt=older_than).delete()
    return deleted
