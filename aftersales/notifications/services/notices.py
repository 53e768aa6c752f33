"""Write in-app notices for staff (the SLA sweep and escalations call these).

The delivery task later passes each new notice to e-mail and SMS per its recipient's
preferences (``Notification.dispatched_at`` is empty until then).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.utils import translation

from aftersales.notifications.models import Notification
from aftersales.notifications.services.events import is_replay


def notifications_build(
    *,
    recipients: Iterable[Any],
    kind: str,
    case: Any,
    render: Callable[[], tuple[str, str]],
    dedupe_key: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """Return unsaved notifications, one per distinct active recipient, in each one's language.

    ``render`` returns ``(title, body)`` and is called with the recipient's language active.
    ``dedupe_key`` is extended with the recipient so that a repeated call cannot notify twice.
    """
    rows: list[Notification] = []
    seen: set[int] = set()
    replay = is_replay(at)
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        with translation.override(user.language or None):
            title, body = render()
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                case=case,
                title=str(title)[:200],
                body=str(body),
                data=data or {},
                created_at=at,
                dedupe_key=f"{dedupe_key}:{user.pk}"[:200],
                # A replay of history (the demo loader) is recorded, never sent.
                dispatched_at=at if replay else None,
            )
        )
    return rows


def notifications_save(rows: list[Notification]) -> int:
    """Insert ``rows``, skipping any whose dedupe key was already used; return how many."""
    if not rows:
        return 0
    keys = [r.dedupe_key for r in rows]
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    fresh = [r for r in rows if r.dedupe_key not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
