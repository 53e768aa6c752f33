"""Reads of products, contracts and assets, scoped to what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.accounts.selectors import scope_to_user
from aftersales.catalog.models import Asset, Contract, Product


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
