"""Products, contracts and assets: create and change them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.catalog.models import Asset, Contract, Product
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
