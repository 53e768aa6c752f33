"""Template helpers for the console and the portal: badges, SLA cells, durations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def _span(seconds: int) -> str:
    minutes = abs(seconds) // 60
    if minutes < 60:
        return ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return ngettext("%(d)d day %(h)d h", "%(d)d days %(h)d h", days) % {"d": days, "h": hours}


@register.filter
def duration(seconds: int | None) -> str:
    """Render working seconds left (negative: overdue) as "2 h 5 min" / "overdue 10 min"."""
    if seconds is None:
        return "—"
    if seconds < 0:
        return _("overdue %(span)s") % {"span": _span(seconds)}
    return _span(seconds)


@register.simple_tag
def due_cell(due_at: datetime | None, state: str) -> str:
    """Render a due time with wall-clock time left and the SLA colour of ``state``."""
    if due_at is None:
        label = {"paused": _("paused"), "none": "—"}.get(state, "—")
        return format_html('<span class="sla sla-{}">{}</span>', state, label)
    left = int((due_at - timezone.now()).total_seconds())
    span = _span(left)
    relative = (
        _("in %(span)s") % {"span": span} if left >= 0 else _("overdue %(span)s") % {"span": span}
    )
    local = timezone.localtime(due_at)
    return format_html(
        '<span class="sla sla-{}"><time datetime="{}">{}</time> · {}</span>',
        state,
        due_at.isoformat(),
        # Compact and the same in every language: lists show many of these.
        local.strftime("%m-%d %H:%M")
        if local.year == timezone.localdate().year
        else local.strftime("%Y-%m-%d %H:%M"),
        relative,
    )


@register.simple_tag
def severity_badge(severity: str) -> str:
    return format_html('<span class="badge sev-{}">{}</span>', severity, severity)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag
def event_text(event: Any) -> str:
    """Return a timeline entry's text in the reader's language (system entries are rendered from
    their facts; people's notes are shown as written)."""
    if event.actor_id is None or event.kind == "sla":
        from aftersales.sla.selectors import timeline_text

        return timeline_text(event.kind, event.data or {}, event.note)
    return event.note


@register.filter
def status_label(code: str) -> str:
    """Return the display label of a case status code."""
    from aftersales.cases.choices import CaseStatus

    return str(CaseStatus(code).label) if code in CaseStatus.values else code
