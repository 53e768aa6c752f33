"""Regions, customers, contacts and sites: create and change them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.core.services import model_create, model_update
from aftersales.customers.models import Contact, Customer, Region, Site

REGION_FIELDS = ("name", "supervisor")
CUSTOMER_FIELDS = ("name", "region", "industry", "address", "phone", "email", "notes", "is_active")
CONTACT_FIELDS = ("name", "title", "phone", "mobile", "email", "is_primary")
SITE_FIELDS = ("name", "address", "region")


def _refresh_case_search(**where: int) -> None:
    """Cases are found by their customer's and contact's names and phones: re-index them.

    Customers come before cases in the dependency order, so this reaches cases through their
    public service (an explicit call against the arrow, as ARCHITECTURE.md allows).
    """
    from aftersales.cases.models import Case
    from aftersales.cases.services import case_search_refresh

    case_search_refresh(Case.objects.filter(**where))


@transaction.atomic
def region_create(*, by: User | None, **data: Any) -> Region:
    """Create a service region (administrators)."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CONFIG)
    return model_create(Region, **data)


@transaction.atomic
def region_update(*, by: User, region: Region, data: dict[str, Any]) -> Region:
    """Change a region's name or supervisor (administrators)."""
    ensure_capability(by, Capability.MANAGE_CONFIG)
    return model_update(instance=region, fields=REGION_FIELDS, data=data)[0]


@transaction.atomic
def customer_create(*, by: User | None, **data: Any) -> Customer:
    """Create a customer organisation (staff who manage customers)."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    return model_create(Customer, **data)


@transaction.atomic
def customer_update(*, by: User, customer: Customer, data: dict[str, Any]) -> Customer:
    """Change a customer's details."""
    ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    customer, changed = model_update(instance=customer, fields=CUSTOMER_FIELDS, data=data)
    if "name" in changed:
        _refresh_case_search(customer_id=customer.pk)
    return customer


@transaction.atomic
def contact_create(*, by: User | None, **data: Any) -> Contact:
    """Add a contact person to a customer."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    return model_create(Contact, **data)


@transaction.atomic
def contact_update(*, by: User, contact: Contact, data: dict[str, Any]) -> Contact:
    """Change a contact's details."""
    ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    contact, changed = model_update(instance=contact, fields=CONTACT_FIELDS, data=data)
    if {"name", "phone", "mobile"} & set(changed):
        _refresh_case_search(contact_id=contact.pk)
    return contact


@transaction.atomic
def site_create(*, by: User | None, **data: Any) -> Site:
    """Add an installation site to a customer."""
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    return model_create(Site, **data)


@transaction.atomic
def site_update(*, by: User, site: Site, data: dict[str, Any]) -> Site:
    """Change a site's name, address or region."""
    ensure_capability(by, Capability.MANAGE_CUSTOMERS)
    return model_update(instance=site, fields=SITE_FIELDS, data=data)[0]


UNASSIGNED_CODE = "UNASSIGNED"


def customer_unassigned() -> Customer:
    """Return the customer that holds requests from senders nobody recognised yet (an e-mail,
    an SMS or a call from an unknown address or number), creating it (and its region) on first
    use. Agents move such a case to the right customer once they know who wrote."""
    from django.utils.translation import gettext

    customer = Customer.objects.filter(code=UNASSIGNED_CODE).first()
    if customer is not None:
        return customer
    with transaction.atomic():
        region, _created = Region.objects.get_or_create(
            code=UNASSIGNED_CODE, defaults={"name": gettext("Unassigned")}
        )
        customer, _created = Customer.objects.get_or_create(
            code=UNASSIGNED_CODE,
            defaults={"name": gettext("Unassigned senders"), "region": region},
        )
    return customer
