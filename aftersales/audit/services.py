"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftersales.audit.context import current
from aftersales.audit.models import AuditEntry
from aftersales.core import clock

_FROM_REQUEST: Any = object()


def audit_record(
    *,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    actor: Any = _FROM_REQUEST,
    object_type: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry: ``action`` on ``obj`` with ``changes`` ({field: [before, after]}).

    The actor and where the change came from are those of the current request (none for a
    background task or a command) unless ``actor`` is given.
    """
    origin = current()
    who = origin.actor if actor is _FROM_REQUEST else actor
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=who if who is not None and getattr(who, "pk", None) else None,
        actor_name=(who.get_username() if who is not None else "")[:150],
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes or {},
        source=origin.source,
        ip_address=origin.ip_address,
        path=origin.path,
    )
