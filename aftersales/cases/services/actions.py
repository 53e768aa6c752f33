"""Case actions beyond the lifecycle: arrival on site, escalation, re-applying SLA policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseEventKind, CaseSeverity
from aftersales.cases.models import Case
from aftersales.cases.services.common import (
    REPORTED_AT_FUTURE_TOLERANCE,
    _check_text,
    _lock,
    ensure_can_view,
    record_event,
)
from aftersales.core import clock
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.sla import services as sla


@transaction.atomic
def case_record_arrival(*, case: Case, by: User, arrived_at: datetime | None = None) -> Case:
    """Record that an engineer arrived on site; this meets the on-site target.

    Raises NotAllowed, ValidationFailed (an arrival in the future or before the report).
    """
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    case = _lock(case, None)
    now = clock.now()
    arrived_at = arrived_at or now
    if timezone.is_naive(arrived_at):
        arrived_at = timezone.make_aware(arrived_at)
    if arrived_at > now + REPORTED_AT_FUTURE_TOLERANCE:
        raise ValidationFailed(_("The arrival time cannot be in the future."), field="arrived_at")
    if arrived_at < case.reported_at:
        raise ValidationFailed(
            _("The arrival cannot be before the case was reported."), field="arrived_at"
        )
    old = case.arrived_at
    case.arrived_at = arrived_at
    case.version = F("version") + 1
    case.save(update_fields=["arrived_at", "version", "updated_at"])
    case.refresh_from_db(fields=["version"])
    record_event(
        case,
        CaseEventKind.FIELD_CHANGED,
        by=by,
        at=now,
        field="arrived_at",
        old_value=old.isoformat() if old else "",
        new_value=arrived_at.isoformat(),
    )
    if old is None:
        sla.sla_meet(
            case=case, targets=["onsite"], by=by, at=arrived_at, reason=_("engineer arrived")
        )
    return case


@transaction.atomic
def case_escalate(*, case: Case, by: User, reason: str) -> Any:
    """Escalate ``case`` by hand to the next rung of its severity's ladder.

    Staff may escalate any case they can see; a customer contact only their organisation's C-1
    cases (C-2 and C-3 faults are escalated by the project's technical staff).

    Raises NotAllowed, ValidationFailed.
    """
    ensure_can_view(user=by, case=case)
    reason = _check_text("reason", reason, max_length=2000, required=True)
    if by.is_customer_contact:
        if case.severity != CaseSeverity.C1:
            raise NotAllowed(
                _(
                    "Customers may escalate only C-1 cases themselves; C-2 and C-3 cases are "
                    "escalated by our technical staff. Please add a comment instead."
                )
            )
    elif not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not escalate cases."))
    case = _lock(case, None)
    now = clock.now()
    escalation = sla.escalation_create_manual(case=case, by=by, reason=reason, at=now)
    record_event(
        case,
        CaseEventKind.ESCALATED,
        by=by,
        at=now,
        note=reason,
        is_public=by.is_customer_contact,
        data={"level": escalation.level, "recipients": escalation.recipients, "manual": True},
    )
    return escalation


@transaction.atomic
def case_sla_reapply(*, case: Case, by: User) -> bool:
    """Apply the current service-level policies to ``case`` again (an explicit action: policy
    edits never rewrite running clocks by themselves). Return whether any clock changed."""
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    case = _lock(case, None)
    return sla.sla_recompute(case=case, by=by, reason=_("policy re-applied"))
