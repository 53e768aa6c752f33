"""What each role may do: one table, read by services, API permissions and pages."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from aftersales.accounts.choices import UserRole
from aftersales.core.errors import NotAllowed

R = UserRole


class Capability(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_CONFIG = "manage_config"  # regions, products, teams, calendars, SLA policies
    MANAGE_CONTRACTS = "manage_contracts"
    MANAGE_CUSTOMERS = "manage_customers"  # customers, contacts, sites, assets
    VIEW_ALL = "view_all"  # read every organisation's data
    CREATE_CASES = "create_cases"
    WORK_CASES = "work_cases"  # edit, assign, move through the lifecycle
    COMMENT_CASES = "comment_cases"
    INTERNAL_COMMENTS = "internal_comments"
    # Decide warranty claims, approve returns and compensation (the seed: the supervisor's call).
    DECIDE_CLAIMS = "decide_claims"


_STAFF = {R.ADMIN, R.SUPERVISOR, R.AGENT, R.ENGINEER, R.PARTS_CLERK, R.INSPECTOR}

ROLE_CAPABILITIES: dict[Capability, frozenset[str]] = {
    Capability.MANAGE_USERS: frozenset({R.ADMIN}),
    Capability.MANAGE_CONFIG: frozenset({R.ADMIN}),
    Capability.MANAGE_CONTRACTS: frozenset({R.ADMIN, R.SUPERVISOR}),
    Capability.MANAGE_CUSTOMERS: frozenset({R.ADMIN, R.SUPERVISOR, R.AGENT}),
    Capability.VIEW_ALL: frozenset(_STAFF),
    Capability.CREATE_CASES: frozenset(
        {R.ADMIN, R.SUPERVISOR, R.AGENT, R.ENGINEER, R.CUSTOMER_CONTACT}
    ),
    Capability.WORK_CASES: frozenset({R.ADMIN, R.SUPERVISOR, R.AGENT, R.ENGINEER}),
    Capability.COMMENT_CASES: frozenset(_STAFF | {R.CUSTOMER_CONTACT}),
    Capability.INTERNAL_COMMENTS: frozenset(_STAFF),
    Capability.DECIDE_CLAIMS: frozenset({R.ADMIN, R.SUPERVISOR}),
}


def has_capability(user: Any, capability: Capability) -> bool:
    """Return whether ``user`` (possibly anonymous) holds ``capability`` by role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return getattr(user, "role", None) in ROLE_CAPABILITIES[capability]


def ensure_capability(user: Any, capability: Capability) -> None:
    """Raise ``NotAllowed`` unless ``user`` holds ``capability``."""
    if not has_capability(user, capability):
        raise NotAllowed(_("Your role does not allow this."))


class RoleWritePermission(BasePermission):
    """Let anyone signed in read; let writes through only with the view's ``write_capability``.

    Checked before the request body is validated, so a forbidden write answers 403 whatever it
    holds. On a single object the check waits until the object is found, so an object the user
    may not see answers 404 as if it did not exist. Views without ``write_capability`` leave
    writes to their services.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            return True  # decided in has_object_permission, after the visibility-scoped lookup
        return self._may_write(request, view)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or self._may_write(request, view)

    @staticmethod
    def _may_write(request: Any, view: Any) -> bool:
        capability = getattr(view, "write_capability", None)
        return capability is None or has_capability(request.user, capability)
