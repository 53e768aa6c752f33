"""Reading the audit trail: filtered entries, and the rows of its export."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """What to export: one case's timeline, one user's trail, one object or type, a period."""

    case: Any = None  # a Case
    user: Any = None  # a User: what they did and what was done to them
    object_type: str = ""  # "sla.slapolicy"
    object_id: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None  # inclusive


def can_read_audit(user: Any) -> bool:
    """Return whether ``user`` may read and export the audit trail (administrators)."""
    return has_capability(user, Capability.MANAGE_USERS) and has_capability(
        user, Capability.MANAGE_CONFIG
    )


def _period(field: str, flt: AuditFilter) -> Q:
    q = Q()
    zone = timezone.get_current_timezone()
    if flt.since:
        start = datetime.datetime.combine(flt.since, datetime.time.min, tzinfo=zone)
        q &= Q(**{f"{field}__gte": start})
    if flt.until:
        end = datetime.datetime.combine(
            flt.until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        q &= Q(**{f"{field}__lt": end})
    return q


def audit_entries(flt: AuditFilter) -> QuerySet[AuditEntry]:
    """Return the audit entries that match ``flt``, newest first."""
    rows = AuditEntry.objects.select_related("actor").filter(_period("at", flt))
    if flt.case is not None:
        rows = rows.filter(object_type="cases.case", object_id=str(flt.case.pk))
    if flt.user is not None:
        rows = rows.filter(
            Q(actor=flt.user) | Q(object_type="accounts.user", object_id=str(flt.user.pk))
        )
    if flt.object_type:
        rows = rows.filter(object_type=flt.object_type.lower())
    if flt.object_id:
        rows = rows.filter(object_id=flt.object_id)
    return rows.order_by("-at", "-id")


def case_events(flt: AuditFilter) -> QuerySet[Any]:
    """Return the case timeline entries that match ``flt`` (none when it names an object)."""
    from aftersales.cases.models import CaseEvent

    if flt.object_type or flt.object_id or (flt.case is None and flt.user is None):
        return CaseEvent.objects.none()
    rows = CaseEvent.objects.select_related("case", "actor").filter(_period("at", flt))
    if flt.case is not None:
        rows = rows.filter(case=flt.case)
    if flt.user is not None:
        rows = rows.filter(actor=flt.user)
    return rows.order_by("-at", "-id")


HEADER_KEYS = (
    "at", "trail", "by", "action", "object_type", "object_id", "object",
    "field", "before", "after", "via", "address",
)  # fmt: skip


def header() -> list[str]:
    """Return the export's column titles."""
    return [
        _("At"), _("Trail"), _("By"), _("Action"), _("Object type"), _("Object id"),
        _("Object"), _("Field"), _("Before"), _("After"), _("Via"), _("Address"),
    ]  # fmt: skip


def _cell(value: Any) -> str:
    """Text for a spreadsheet cell; a leading formula character is neutralised."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(at: datetime.datetime) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds")


def export_rows(flt: AuditFilter, *, limit: int = 100_000) -> Iterator[list[str]]:
    """Yield one row per changed field (or per entry without fields), newest first."""
    merged: list[tuple[datetime.datetime, int, Any]] = [
        (e.at, 0, e) for e in audit_entries(flt)[:limit]
    ]
    merged += [(e.at, 1, e) for e in case_events(flt)[:limit]]
    merged.sort(key=lambda t: (t[0], t[2].pk), reverse=True)
    for _at, kind, entry in merged[:limit]:
        if kind == 0:
            base = [
                _when(entry.at),
                _("Audit"),
                entry.actor_name,
                entry.get_action_display(),
                entry.object_type,
                entry.object_id,
                entry.object_repr,
            ]
            tail = [entry.get_source_display(), entry.ip_address or ""]
            if entry.changes:
                for field, (before, after) in sorted(entry.changes.items()):
                    yield [_cell(v) for v in [*base, field, before, after, *tail]]
            else:
                yield [_cell(v) for v in [*base, "", "", "", *tail]]
        else:
            before = entry.from_status or entry.old_value
            after = entry.to_status or entry.new_value
            yield [
                _cell(v)
                for v in [
                    _when(entry.at),
                    _("Case timeline"),
                    entry.actor.get_username() if entry.actor else "",
                    entry.get_kind_display(),
                    "cases.case",
                    entry.case_id,
                    entry.case.number,
                    entry.field or ("status" if entry.to_status else ""),
                    before,
                    after if not entry.note else f"{after} ({entry.note})".strip(),
                    "",
                    "",
                ]
            ]
