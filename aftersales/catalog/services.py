"""Products, contracts and assets: create and change them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.catalog.choices import CoverageKind, ServiceLevel
from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.models import (
    Asset,
    Contract,
    ContractRenewal,
    Product,
    WarrantyExtension,
)
from aftersales.core import clock
from aftersales.core.errors import ValidationFailed
from aftersales.core.services import model_create, model_update

PRODUCT_FIELDS = ("name", "category", "manufacturer", "is_active")
CONTRACT_FIELDS = (
    "customer",
    "service_level",
    "hardware_warranty_months",
    "warranty_start",
    "software_upgrade_months",
    "start_date",
    "end_date",
    "region",
    "notes",
)
ASSET_FIELDS = (
    "product",
    "customer",
    "site",
    "contract",
    "purchase_date",
    "delivery_date",
    "installation_date",
    "final_acceptance_date",
    "notes",
)


@transaction.atomic
def product_create(*, by: User | None, **data: Any) -> Product:
    """Add a product to the catalogue (administrators)."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CONFIG)
    return model_create(Product, **data)


@transaction.atomic
def product_update(*, by: User, product: Product, data: dict[str, Any]) -> Product:
    """Change a product (administrators)."""
    ensure_capability(by, Capability.MANAGE_CONFIG)
    return model_update(instance=product, fields=PRODUCT_FIELDS, data=data)[0]


@transaction.atomic
def contract_create(*, by: User | None, **data: Any) -> Contract:
    """Record a service contract (administrators and supervisors)."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CONTRACTS)
    return model_create(Contract, **data)


@transaction.atomic
def contract_update(*, by: User, contract: Contract, data: dict[str, Any]) -> Contract:
    """Change a contract's terms (administrators and supervisors)."""
    ensure_capability(by, Capability.MANAGE_CONTRACTS)
    return model_update(instance=contract, fields=CONTRACT_FIELDS, data=data)[0]


@transaction.atomic
def asset_create(*, by: User | None, **data: Any) -> Asset:
    """Register an installed unit by its serial number."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    return model_create(Asset, **data)


@transaction.atomic
def asset_update(*, by: User, asset: Asset, data: dict[str, Any]) -> Asset:
    """Change an asset's product, owner, site, contract or dates."""
    ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    return model_update(instance=asset, fields=ASSET_FIELDS, data=data)[0]


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why (the reason is kept with the record)."), field="reason")
    return reason


@transaction.atomic
def warranty_extend(
    *,
    by: User,
    asset: Asset,
    kind: str,
    end: date,
    reason: str,
    start: date | None = None,
    reference: str = "",
) -> WarrantyExtension:
    """Extend or renew an asset's hardware warranty or software-upgrade entitlement.

    The new period runs from ``start`` (default: the day after the current coverage ends, or
    today when nothing was ever covered) to ``end``, its last covered day, which must lie after
    the current coverage's end: an extension never shortens what was promised. Supervisors and
    administrators only; the row keeps who, when and why.
    """
    ensure_capability(by, Capability.MANAGE_CONTRACTS)
    if kind not in CoverageKind.values:
        raise ValidationFailed(_("Choose hardware warranty or software upgrades."), field="kind")
    reason = _reason(reason)
    asset = (
        Asset.objects.select_for_update(of=("self",)).select_related("contract").get(pk=asset.pk)
    )
    today = clock.today()
    # The coverage's last covered day over all its periods (seen from the end of time).
    ent = entitlement_at(asset, date.max)
    last = (ent.hardware_warranty if kind == CoverageKind.HARDWARE else ent.software_upgrades).end
    if start is None:
        start = last + timedelta(days=1) if last is not None and last >= today else today
    if last is not None and end <= last:
        raise ValidationFailed(
            _("The coverage already runs to %(end)s; an extension must end later.")
            % {"end": last.isoformat()},
            field="end",
        )
    if end < start:
        raise ValidationFailed(
            _("The last covered day must not be before the first (%(start)s).")
            % {"start": start.isoformat()},
            field="end",
        )
    return WarrantyExtension.objects.create(
        asset=asset,
        kind=kind,
        start=start,
        end=end,
        reason=reason,
        reference=(reference or "").strip()[:100],
        created_by=by,
        created_at=clock.now(),
    )


@transaction.atomic
def contract_renew(
    *,
    by: User,
    contract: Contract,
    end_date: date,
    reason: str,
    service_level: str | None = None,
    reference: str = "",
) -> ContractRenewal:
    """Renew a service contract to ``end_date`` (optionally at another service level).

    The new end must lie after the current one (and after the start); the contract is changed
    and a renewal row keeps the previous terms, who renewed and why.
    """
    ensure_capability(by, Capability.MANAGE_CONTRACTS)
    reason = _reason(reason)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    level = service_level or contract.service_level
    if level not in ServiceLevel.values:
        raise ValidationFailed(_("Unknown service level."), field="service_level")
    if contract.end_date is not None and end_date <= contract.end_date:
        raise ValidationFailed(
            _("The contract already runs to %(end)s; a renewal must end later.")
            % {"end": contract.end_date.isoformat()},
            field="end_date",
        )
    if contract.start_date is not None and end_date < contract.start_date:
        raise ValidationFailed(
            _("The end date must not be before the start date."), field="end_date"
        )
    renewal = ContractRenewal.objects.create(
        contract=contract,
        previous_end_date=contract.end_date,
        new_end_date=end_date,
        previous_service_level=contract.service_level,
        new_service_level=level,
        reason=reason,
        reference=(reference or "").strip()[:100],
        created_by=by,
        created_at=clock.now(),
    )
    contract.end_date = end_date
    contract.service_level = level
    contract.save(update_fields=["end_date", "service_level", "updated_at"])
    return renewal
