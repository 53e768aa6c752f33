"""Service-level services: every write to policies' outcomes, clocks and escalations.

A package of four modules (policies, clocks, escalation, sweep); the names other apps use are
re-exported here, so callers write ``from aftersales.sla import services as sla``.
"""

from aftersales.sla.services.clocks import (
    sla_meet,
    sla_on_public_reply,
    sla_on_transition,
    sla_plan,
    sla_recompute,
    sla_start_rows,
    sla_start_target,
)
from aftersales.sla.services.escalation import (
    escalation_create_manual,
    escalation_recipients,
    service_directors,
)
from aftersales.sla.services.policies import (
    TARGET_ORDER,
    Decision,
    explain,
    pausing_statuses,
    policy_decide,
    targets_for,
)
from aftersales.sla.services.sweep import SweepResult, sla_sweep

__all__ = [
    "TARGET_ORDER",
    "Decision",
    "SweepResult",
    "escalation_create_manual",
    "escalation_recipients",
    "explain",
    "pausing_statuses",
    "policy_decide",
    "service_directors",
    "sla_meet",
    "sla_on_public_reply",
    "sla_on_transition",
    "sla_plan",
    "sla_recompute",
    "sla_start_rows",
    "sla_start_target",
    "sla_sweep",
    "targets_for",
]
