"""Reads of regions, customers, contacts and sites, scoped to what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from aftersales.accounts.selectors import scope_to_user
from aftersales.customers.models import Contact, Customer, Region, Site


def region_list_visible_to(*, user: Any) -> QuerySet[Region]:
    """Return every region to staff; a contact sees their organisation's region only."""
    qs = Region.objects.select_related("supervisor")
    return scope_to_user(qs, user=user, customer_path="customers__id").distinct()


def customer_list_visible_to(*, user: Any) -> QuerySet[Customer]:
    """Return the customers ``user`` may see, with contacts and sites prefetched."""
    qs = Customer.objects.select_related("region").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name")),
        Prefetch("sites", queryset=Site.objects.select_related("region")),
    )
    return scope_to_user(qs, user=user, customer_path="id")


def contact_list_visible_to(*, user: Any) -> QuerySet[Contact]:
    """Return the contacts ``user`` may see."""
    qs = Contact.objects.select_related("customer")
    return scope_to_user(qs, user=user, customer_path="customer_id")


def site_list_visible_to(*, user: Any) -> QuerySet[Site]:
    """Return the sites ``user`` may see."""
    qs = Site.objects.select_related("customer", "region")
    return scope_to_user(qs, user=user, customer_path="customer_id")
