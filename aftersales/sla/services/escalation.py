"""Escalation ladders: who hears at each rung, and manual escalations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.notifications.models import NotificationKind
from aftersales.notifications.services import event_emit, notifications_build, notifications_save
from aftersales.sla.choices import (
    EscalationRecipient,
)
from aftersales.sla.models import (
    Escalation,
)
from aftersales.sla.services.clocks import _rules
from aftersales.sla.services.policies import T


def service_directors() -> list[Any]:
    """Return the active service directors (the top rungs of escalation ladders)."""
    User = apps.get_model("accounts", "User")  # noqa: N806 - a model class
    return list(User.objects.filter(is_service_director=True, is_active=True).order_by("pk"))


def escalation_recipients(
    case: Any, kinds: Iterable[str], *, directors: list[Any] | None = None
) -> list[Any]:
    """Return the people behind the recipient kinds of a ladder rung, for ``case``.

    ``directors`` saves the look-up when the caller already has the service directors.
    """
    people: list[Any] = []
    for kind in kinds:
        if kind == EscalationRecipient.ASSIGNEE and case.assignee_id:
            people.append(case.assignee)
        elif kind == EscalationRecipient.TEAM_LEAD and case.team_id and case.team.lead_id:
            people.append(case.team.lead)
        elif kind == EscalationRecipient.REGIONAL_SUPERVISOR:
            region = (
                case.site.region if case.site_id and case.site.region_id else case.customer.region
            )
            if region.supervisor_id:
                people.append(region.supervisor)
        elif kind == EscalationRecipient.SERVICE_DIRECTOR:
            people.extend(service_directors() if directors is None else directors)
    return people


def _fallback_recipients(case: Any) -> list[Any]:
    """Who hears about a warning or breach: the assignee, else the team lead, else the region's
    supervisor."""
    for kinds in (
        [EscalationRecipient.ASSIGNEE],
        [EscalationRecipient.TEAM_LEAD],
        [EscalationRecipient.REGIONAL_SUPERVISOR],
    ):
        people = escalation_recipients(case, kinds)
        if people:
            return people
    return []


def escalation_create_manual(*, case: Any, by: Any, reason: str, at: datetime) -> Escalation:
    """Record a manual escalation one level above the case's highest so far and notify that
    rung's recipients (the regional supervisor first, then the service director)."""
    highest = max((e.level for e in Escalation.objects.filter(case=case)), default=0)
    level = highest + 1
    rules = _rules(case.severity, T.CONFIRM)
    rung = next((r for r in rules if r.level == level), rules[-1] if rules else None)
    kinds = rung.recipients if rung else [EscalationRecipient.REGIONAL_SUPERVISOR]
    people = escalation_recipients(case, kinds) or _fallback_recipients(case)
    escalation = Escalation.objects.create(
        case=case,
        level=level,
        reason=reason,
        actor=by,
        at=at,
        recipients=[p.username for p in people],
    )
    notifications_save(
        notifications_build(
            recipients=people,
            kind=NotificationKind.ESCALATION,
            case=case,
            at=at,
            dedupe_key=f"escalation:{escalation.pk}",
            data={"level": level, "manual": True},
            render=lambda: (
                _("Case %(number)s escalated to level %(level)d")
                % {"number": case.number, "level": level},
                _("Escalated by %(user)s: %(reason)s") % {"user": by.username, "reason": reason},
            ),
        )
    )
    event_emit(
        kind=NotificationKind.ESCALATION,
        case=case,
        actor=by,
        at=at,
        dedupe_key=f"escalation:{escalation.pk}",
        data={"level": level, "manual": True, "reason": reason},
    )
    return escalation


# Lazy: rendered in each reader's language when a note or notification is written.
_TARGET_LABELS = {
    T.RESPONSE: gettext_lazy("response"),
    T.ONSITE: gettext_lazy("on-site arrival"),
    T.CONFIRM: gettext_lazy("cause confirmation"),
    T.RESTORE: gettext_lazy("restoration"),
    T.FOLLOW_UP: gettext_lazy("follow-up"),
    T.REMEDY: gettext_lazy("remedy"),
}
