"""Reads of software releases: what each of a customer's units may upgrade to."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.selectors import asset_list_visible_to
from aftersales.releases.models import SoftwareRelease


def releases_visible_to(*, user: Any) -> QuerySet[SoftwareRelease]:
    """Staff see every release; customer contacts the published ones of products they own."""
    qs = SoftwareRelease.objects.select_related("product").order_by("-released_on", "-id")
    if getattr(user, "is_service_staff", False):
        return qs
    products = asset_list_visible_to(user=user).values("product_id")
    return qs.filter(published_at__isnull=False, product_id__in=products)


def upgrades_by_asset(*, user: Any, on: date) -> list[tuple[Any, Any, list[SoftwareRelease]]]:
    """Return ``(asset, entitlement, releases)`` for the user's units: the published releases
    of each unit's product, when the unit is entitled to software upgrades on ``on``."""
    units = list(
        asset_list_visible_to(user=user)
        .prefetch_related("warranty_extensions")
        .order_by("serial_number")
    )
    published = list(
        SoftwareRelease.objects.filter(
            published_at__isnull=False, product_id__in={u.product_id for u in units}
        ).order_by("-released_on", "-id")
    )
    rows = []
    for unit in units:
        ent = entitlement_at(unit, on)
        releases = (
            [r for r in published if r.product_id == unit.product_id]
            if ent.software_upgrades.active
            else []
        )
        rows.append((unit, ent, releases))
    return rows
