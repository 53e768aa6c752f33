"""Reads of users, and the one rule that scopes every list to what a user may see."""

from __future__ import annotations

import zoneinfo
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability

M = TypeVar("M", bound=Model)


def scope_to_user(qs: QuerySet[M], *, user: Any, customer_path: str) -> QuerySet[M]:
    """Return ``qs`` limited to what ``user`` may see.

    Staff see everything; a customer contact sees the rows whose ``customer_path`` (for example
    ``"customer_id"``) is their own organisation; anybody else sees nothing.
    """
    if has_capability(user, Capability.VIEW_ALL):
        return qs
    if user is not None and user.is_authenticated and user.is_customer_contact and user.customer_id:
        return qs.filter(**{customer_path: user.customer_id})
    return qs.none()


def user_list(*, user: Any) -> QuerySet[User]:
    """Return the users ``user`` may list: administrators see all, others themselves only."""
    qs = User.objects.select_related("customer").order_by("username")
    if has_capability(user, Capability.MANAGE_USERS):
        return qs
    if user is not None and user.is_authenticated:
        return qs.filter(pk=user.pk)
    return qs.none()


def user_zone(user: Any) -> zoneinfo.ZoneInfo:
    """Return the time zone ``user`` reads times in (their own, else the server's)."""
    name = getattr(user, "timezone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
