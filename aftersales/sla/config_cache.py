"""A per-process cache of the SLA configuration: policies with targets, escalation ladders.

Every case creation needs the whole configuration; loading it costs several queries, checking
that the cached copy is current costs one (``SlaConfigState.revision`` plus every calendar's
revision). Policy, target and ladder changes bump the revision through ``touch()`` (called by
the configuration services, and by signals for edits made any other way, e.g. the admin).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Value
from django.db.models.signals import post_delete, post_save

from aftersales.calendars.models import BusinessCalendar
from aftersales.sla.models import EscalationRule, SlaConfigState, SlaPolicy, SlaTarget


@dataclass
class SlaConfig:
    stamp: frozenset[tuple[int, str]]
    policies: list[SlaPolicy]
    default: SlaPolicy | None
    targets: dict[int, list[SlaTarget]]
    ladders: dict[tuple[str, str], list[EscalationRule]] = field(default_factory=dict)

    def rules(self, severity: str, target: str) -> list[EscalationRule]:
        return self.ladders.get((severity, target), [])


_lock = threading.Lock()
_current: SlaConfig | None = None


def stamp_query() -> QuerySet[Any]:
    """Return the query whose rows tell whether a cached configuration is current: the
    configuration's revision and every calendar's (for ``sla_config_from``)."""
    state = SlaConfigState.objects.annotate(key=Value(0)).values_list("key", "revision").order_by()
    calendars = BusinessCalendar.objects.values_list("id", "revision").order_by()
    return state.union(calendars, all=True)


def _stamp(rows: Iterable[tuple[int, Any]]) -> frozenset[tuple[int, str]]:
    return frozenset((key, str(rev)) for key, rev in rows)


def sla_config() -> SlaConfig:
    """Return the current SLA configuration (one query when the cached copy is current)."""
    return sla_config_from(stamp_query())


def sla_config_from(stamp_rows: Iterable[tuple[int, Any]]) -> SlaConfig:
    """Return the current SLA configuration, given the rows of ``stamp_query`` (read by the
    caller, e.g. in the same round trip as its own queries); no query when the cache is current.
    """
    global _current  # noqa: PLW0603 - the process-wide cache
    stamp = _stamp(stamp_rows)
    current = _current
    if current is not None and current.stamp == stamp:
        return current
    policies = list(SlaPolicy.objects.filter(is_active=True).order_by("order", "pk"))
    targets: dict[int, list[SlaTarget]] = {}
    for row in SlaTarget.objects.select_related("calendar").order_by("pk"):
        targets.setdefault(row.policy_id, []).append(row)
    ladders: dict[tuple[str, str], list[EscalationRule]] = {}
    for rule in EscalationRule.objects.filter(is_active=True).order_by("level"):
        ladders.setdefault((rule.severity, rule.target), []).append(rule)
    loaded = SlaConfig(
        stamp=stamp,
        policies=[p for p in policies if not p.is_default],
        default=next((p for p in policies if p.is_default), None),
        targets=targets,
        ladders=ladders,
    )
    with _lock:
        _current = loaded
    return loaded


def touch() -> None:
    """Record that the SLA configuration changed (every process reloads it on next use)."""
    updated = SlaConfigState.objects.filter(pk=1).update(revision=uuid.uuid4())
    if not updated:
        SlaConfigState.objects.update_or_create(pk=1, defaults={"revision": uuid.uuid4()})


def _on_change(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # fixture loading
    touch()


for _model in (SlaPolicy, SlaTarget, EscalationRule):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"sla-config-{_model.__name__}-save")
    post_delete.connect(
        _on_change, sender=_model, dispatch_uid=f"sla-config-{_model.__name__}-delete"
    )
