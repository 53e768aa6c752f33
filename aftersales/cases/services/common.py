"""Checks and helpers shared by the case services: validation, locking, the timeline."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import transitions
from aftersales.cases.models import Case, CaseEvent
from aftersales.catalog.models import Asset, Contract
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.core.search import document
from aftersales.customers.models import Contact, Customer, Site

# Fields that ``case_update`` may change, in the order the timeline lists them.
EDITABLE_FIELDS = (
    "case_type",
    "channel",
    "severity",
    "summary",
    "description",
    "customer",
    "asset",
    "contact",
    "site",
    "contract",
    "assignee",
    "team",
    "cause",
)


# Changing any of these can change which service-level policy applies.
SLA_FIELDS = frozenset({"case_type", "severity", "customer", "asset", "contract"})


REPORTED_AT_FUTURE_TOLERANCE = timedelta(minutes=5)


def record_event(
    case: Case,
    kind: str,
    *,
    by: User | None,
    at: datetime | None = None,
    is_public: bool = True,
    **fields: Any,
) -> CaseEvent:
    """Append one event to ``case``'s timeline."""
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=by, at=at or clock.now(), is_public=is_public, **fields
    )


def _display(value: Any) -> str:
    """Return how a field value is written in the timeline (natural keys for objects)."""
    if value is None:
        return ""
    for attr in ("number", "serial_number", "code", "username"):
        if hasattr(value, attr):
            return str(getattr(value, attr))
    if isinstance(value, Contact | Site):
        return f"{value.name} (#{value.pk})"
    return str(value)


def _check_text(
    field: str, value: str, *, max_length: int | None = None, required: bool = False
) -> str:
    value = (value or "").strip() if required else (value or "")
    if required and not value:
        raise ValidationFailed(_("This field may not be blank."), field=field)
    limit = max_length or settings.CASES_MAX_TEXT_LENGTH
    if len(value) > limit:
        raise ValidationFailed(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit},
            field=field,
        )
    return value


def _check_relations(
    *,
    customer: Customer,
    asset: Asset | None,
    contact: Contact | None,
    site: Site | None,
    contract: Contract | None,
) -> None:
    errors: dict[str, list[Any]] = {}
    if asset is not None and asset.customer_id != customer.pk:
        errors["asset"] = [_("This asset belongs to another customer.")]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("This contact belongs to another customer.")]
    if site is not None and site.customer_id != customer.pk:
        errors["site"] = [_("This site belongs to another customer.")]
    if contract is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    if errors:
        raise ValidationFailed(errors=errors)


def validate_case_references(
    *,
    customer: Customer,
    asset: Asset | None = None,
    contact: Contact | None = None,
    site: Site | None = None,
    contract: Contract | None = None,
    assignee: User | None = None,
) -> None:
    """Check that a case's references belong to its customer and its assignee is active staff.

    Raises ValidationFailed naming the offending fields.
    """
    _check_relations(customer=customer, asset=asset, contact=contact, site=site, contract=contract)
    _check_assignee(assignee)


@functools.cache
def _choice_values(choices: type) -> frozenset[Any]:
    return frozenset(choices.values)  # type: ignore[attr-defined]


def _check_choice(field: str, value: str, choices: type) -> None:
    try:
        valid = value in _choice_values(choices)
    except TypeError:  # unhashable: no choice
        valid = False
    if not valid:
        raise ValidationFailed(
            _("“%(value)s” is not a valid choice.") % {"value": value}, field=field
        )


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not assignee.is_service_staff:
        raise ValidationFailed(_("Cases can only be assigned to active staff."), field="assignee")


def ensure_can_view(*, user: User, case: Case) -> None:
    """Raise ``NotAllowed`` unless ``user`` may see ``case``."""
    if has_capability(user, Capability.VIEW_ALL):
        return
    if user.is_customer_contact and user.customer_id == case.customer_id:
        return
    raise NotAllowed(_("You may not see this case."))


def _lock(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and expected_version != locked.version:
        raise Conflict(
            _("Someone else changed this case; reload it and apply your change again."),
            code="stale_version",
            current_version=locked.version,
        )
    return locked


def can_transition(case: Case, to: str, user: User) -> bool:
    """Return whether ``user`` may move ``case`` to ``to`` now (drives UI buttons)."""
    if to not in transitions.allowed_from(case.status):
        return False
    if has_capability(user, Capability.WORK_CASES):
        return True
    return (
        user.is_customer_contact
        and user.customer_id == case.customer_id
        and (case.status, to) in transitions.CUSTOMER_ALLOWED
    )


# Changing any of these changes what a case is found by.
SEARCH_FIELDS = frozenset({"summary", "description", "customer", "asset", "contact"})


def search_document(case: Case) -> str:
    """Return the bigram index text of ``case`` (see ``core.search``)."""
    contact = case.contact
    return document(
        [
            case.number,
            case.summary,
            case.description,
            case.customer.name if case.customer_id else "",
            case.asset.serial_number if case.asset_id else "",
            contact.name if contact else "",
            contact.phone if contact else "",
            contact.mobile if contact else "",
        ]
    )


def case_search_refresh(cases: Any) -> int:
    """Recompute the search index of ``cases`` (a queryset), e.g. after a customer's rename."""
    count = 0
    batch: list[Case] = []
    for case in cases.select_related("customer", "asset", "contact").iterator(chunk_size=500):
        case.search_grams = search_document(case)
        batch.append(case)
        if len(batch) == 500:
            Case.objects.bulk_update(batch, ["search_grams"])
            count, batch = count + len(batch), []
    if batch:
        Case.objects.bulk_update(batch, ["search_grams"])
        count += len(batch)
    return count
