"""Write services for SLA configuration: policies with their targets, escalation ladders.

Changing a policy never touches the clocks of running cases; re-applying it to a case is the
explicit ``cases.services.case_sla_reapply`` (or the admin action on policies).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.core.services import model_create, model_update
from aftersales.sla.config_cache import touch
from aftersales.sla.models import EscalationRule, SlaPolicy, SlaTarget

POLICY_FIELDS = (
    "name",
    "description",
    "service_level",
    "warranty",
    "case_type",
    "severity",
    "is_default",
    "is_active",
    "order",
)
RULE_FIELDS = ("severity", "target", "level", "after_minutes", "recipients", "is_active")


def _replace_targets(policy: SlaPolicy, targets: list[dict[str, Any]]) -> None:
    SlaTarget.objects.filter(policy=policy).delete()
    rows = [SlaTarget(policy=policy, **t) for t in targets]
    for row in rows:
        row.full_clean(exclude=["policy"], validate_unique=False)
    SlaTarget.objects.bulk_create(rows)
    touch()  # bulk inserts send no signals


@transaction.atomic
def policy_create(
    *, by: Any, targets: list[dict[str, Any]] | None = None, **data: Any
) -> SlaPolicy:
    """Create a policy and its targets (administrators)."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CONFIG)
    policy = model_create(SlaPolicy, **data)
    _replace_targets(policy, targets or [])
    return policy


@transaction.atomic
def policy_update(*, by: Any, policy: SlaPolicy, data: dict[str, Any]) -> SlaPolicy:
    """Change a policy; ``targets`` in ``data`` replace its targets wholesale."""
    ensure_capability(by, Capability.MANAGE_CONFIG)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    model_update(instance=policy, fields=POLICY_FIELDS, data=data)
    if "targets" in data:
        _replace_targets(policy, data["targets"])
    return policy


@transaction.atomic
def escalation_rule_create(*, by: Any, **data: Any) -> EscalationRule:
    """Add a rung to an escalation ladder (administrators)."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CONFIG)
    return model_create(EscalationRule, **data)


@transaction.atomic
def escalation_rule_update(
    *, by: Any, rule: EscalationRule, data: dict[str, Any]
) -> EscalationRule:
    """Change a rung of an escalation ladder (administrators)."""
    ensure_capability(by, Capability.MANAGE_CONFIG)
    return model_update(instance=rule, fields=RULE_FIELDS, data=data)[0]
