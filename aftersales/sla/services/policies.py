"""Which service-level policy a case gets, and why (the documented order of criteria)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.cases.choices import CaseType
from aftersales.catalog.entitlement import contract_active_on, entitlement_at
from aftersales.sla.choices import (
    SlaTargetKind,
    WarrantyCondition,
)
from aftersales.sla.config_cache import SlaConfig, sla_config
from aftersales.sla.models import (
    SlaPolicy,
    SlaTarget,
)

T = SlaTargetKind

# The order in which a case's promises fall due, for display.
TARGET_ORDER = {
    t: i for i, t in enumerate([T.RESPONSE, T.ONSITE, T.CONFIRM, T.RESTORE, T.REMEDY, T.FOLLOW_UP])
}


def pausing_statuses() -> frozenset[str]:
    """Return the case statuses in which clocks stand still (``SLA_PAUSING_STATUSES``)."""
    return frozenset(settings.SLA_PAUSING_STATUSES)


@dataclass
class Decision:
    policy: SlaPolicy
    facts: dict[str, Any]


def policy_decide(*, case: Any, config: SlaConfig | None = None) -> Decision:
    """Choose the policy for ``case``, and record the facts it was chosen on.

    Order: the contract in force on the report date gives the service level (``none`` without
    one); the asset's hardware warranty on that date gives the warranty condition; then the case
    type and severity. Among active policies whose non-empty criteria all match, the most
    specific wins (most criteria set), then the lowest ``order``; if none matches, the default.
    """
    day = timezone.localdate(case.reported_at)
    contract = case.contract
    asset = case.asset
    active = contract_active_on(contract, day)
    facts: dict[str, Any] = {
        "date": day.isoformat(),
        "contract": contract.number if contract else None,
        "contract_active": active,
        "service_level": contract.service_level if active else "none",
        "asset": asset.serial_number if asset else None,
        "warranty": "",
        "warranty_end": None,
        "case_type": case.case_type,
        "severity": case.severity,
    }
    if asset is not None:
        ent = entitlement_at(asset, day, contract=contract)
        facts["warranty"] = (
            WarrantyCondition.IN_WARRANTY
            if ent.hardware_warranty.active
            else WarrantyCondition.OUT_OF_WARRANTY
        )
        facts["warranty_end"] = (
            ent.hardware_warranty.end.isoformat() if ent.hardware_warranty.end else None
        )
        facts["stage"] = ent.stage
    criteria = {
        "service_level": facts["service_level"],
        "warranty": facts["warranty"] or WarrantyCondition.OUT_OF_WARRANTY,
        "case_type": case.case_type,
        "severity": case.severity,
    }
    config = config or sla_config()
    best: tuple[int, int, int] | None = None
    chosen: SlaPolicy | None = None
    for policy in config.policies:
        set_fields = [f for f in criteria if getattr(policy, f)]
        if all(getattr(policy, f) == criteria[f] for f in set_fields):
            rank = (len(set_fields), -policy.order, -policy.pk)
            if best is None or rank > best:
                best, chosen = rank, policy
    if chosen is None:
        chosen = config.default
        if chosen is None:
            raise SlaPolicy.DoesNotExist("no default service-level policy")
        facts["matched"] = "default"
    else:
        facts["matched"] = [f for f in criteria if getattr(chosen, f)]
    facts["policy"] = chosen.code
    return Decision(policy=chosen, facts=facts)


_CASE_TYPE_LABELS = dict(CaseType.choices)  # lazy labels: translated when rendered


def explain(facts: dict[str, Any], policy_name: str) -> str:
    """Return, in the active language, why a case got its policy."""
    parts = []
    if facts.get("contract"):
        if facts.get("contract_active"):
            parts.append(
                _("%(level)s contract %(number)s")
                % {"level": facts["service_level"], "number": facts["contract"]}
            )
        else:
            parts.append(_("contract %(number)s not in force") % {"number": facts["contract"]})
    else:
        parts.append(_("no contract"))
    if facts.get("asset"):
        if facts.get("warranty") == WarrantyCondition.IN_WARRANTY:
            parts.append(_("asset in warranty until %(end)s") % {"end": facts.get("warranty_end")})
        else:
            parts.append(_("asset out of warranty"))
    case_type = facts.get("case_type")
    label = _CASE_TYPE_LABELS.get(case_type) if isinstance(case_type, str) else None
    parts.append(str(label) if label is not None else str(case_type))
    parts.append(str(facts.get("severity")))
    if facts.get("matched") == "default":
        return _("%(facts)s: no policy matched, default policy %(policy)s") % {
            "facts": ", ".join(parts),
            "policy": policy_name,
        }
    return _("%(facts)s → policy %(policy)s") % {"facts": ", ".join(parts), "policy": policy_name}


def targets_for(
    policy: SlaPolicy, severity: str, *, config: SlaConfig | None = None
) -> dict[str, SlaTarget]:
    """Return the policy's targets for a severity (a severity-specific row beats a general one)."""
    config = config or sla_config()
    chosen: dict[str, SlaTarget] = {}
    for row in config.targets.get(policy.pk, []):
        if row.severity in ("", severity) and (row.target not in chosen or row.severity):
            chosen[row.target] = row
    return chosen
