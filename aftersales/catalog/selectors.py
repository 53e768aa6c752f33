"""Reads of products, contracts and assets, scoped to what a user may see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from aftersales.accounts.selectors import scope_to_user
from aftersales.catalog.models import Asset, Contract, ContractRenewal, Product, WarrantyExtension


def product_list_visible_to(*, user: Any) -> QuerySet[Product]:
    """Return products: the catalogue is open to every signed-in user."""
    if user is None or not user.is_authenticated:
        return Product.objects.none()
    return Product.objects.all()


def contract_list_visible_to(*, user: Any) -> QuerySet[Contract]:
    """Return the contracts ``user`` may see."""
    qs = Contract.objects.select_related("customer", "region")
    return scope_to_user(qs, user=user, customer_path="customer_id")


def asset_list_visible_to(*, user: Any) -> QuerySet[Asset]:
    """Return the assets ``user`` may see."""
    qs = Asset.objects.select_related("product", "customer", "site", "contract")
    return scope_to_user(qs, user=user, customer_path="customer_id")


def renewal_notice_days() -> int:
    """Return how many days ahead contracts are listed for renewal (setting)."""
    return int(getattr(settings, "CONTRACTS_RENEWAL_NOTICE_DAYS", 60))


def contracts_expiring(*, user: Any, today: date, within_days: int) -> QuerySet[Contract]:
    """Return contracts in force today that end within ``within_days`` days, soonest first."""
    return (
        contract_list_visible_to(user=user)
        .filter(end_date__gte=today, end_date__lte=today + timedelta(days=within_days))
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today + timedelta(days=within_days)))
        .order_by("end_date", "number")
    )


def assets_without_contract(*, user: Any) -> QuerySet[Asset]:
    """Return the assets no service contract covers (flagged for a sales follow-up)."""
    return asset_list_visible_to(user=user).filter(contract__isnull=True)


def asset_extensions(*, asset: Asset) -> QuerySet[WarrantyExtension]:
    """Return an asset's warranty extensions and renewals, oldest first."""
    return WarrantyExtension.objects.filter(asset=asset).select_related("created_by")


def contract_renewals(*, contract: Contract) -> QuerySet[ContractRenewal]:
    """Return a contract's renewals, oldest first."""
    return ContractRenewal.objects.filter(contract=contract).select_related("created_by")
