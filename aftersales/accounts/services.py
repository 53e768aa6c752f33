"""Users: create and change accounts, hand out API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.core.errors import ValidationFailed
from aftersales.customers.models import Customer

USER_EDITABLE_FIELDS = (
    "role",
    "customer",
    "language",
    "timezone",
    "email",
    "first_name",
    "last_name",
    "phone",
    "phone_extension",
    "is_active",
)


def _sync_flags(user: User) -> None:
    """Administrators use the Django admin; other roles work in the console and the API."""
    user.is_staff = user.role == UserRole.ADMIN
    user.is_superuser = user.role == UserRole.ADMIN


def _check_role_customer(role: str, customer: Customer | None) -> None:
    if role not in UserRole.values:
        raise ValidationFailed(
            _("“%(value)s” is not a valid role.") % {"value": role}, field="role"
        )
    if role == UserRole.CUSTOMER_CONTACT and customer is None:
        raise ValidationFailed(_("A customer contact needs a customer."), field="customer")
    if role != UserRole.CUSTOMER_CONTACT and customer is not None:
        raise ValidationFailed(_("Only customer contacts belong to a customer."), field="customer")


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    role: str,
    password: str | None = None,
    customer: Customer | None = None,
    **fields: Any,
) -> User:
    """Create a user with ``role``; without a password the account signs in by token only.

    ``by=None`` is the system (set-up commands). Raises NotAllowed, ValidationFailed.
    """
    if by is not None:
        ensure_capability(by, Capability.MANAGE_USERS)
    _check_role_customer(role, customer)
    user = User(username=username, role=role, customer=customer, **fields)
    _sync_flags(user)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(errors={"password": list(exc.messages)}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(*, by: User, user: User, data: dict[str, Any]) -> User:
    """Change a user's role, organisation, preferences or password (administrators)."""
    ensure_capability(by, Capability.MANAGE_USERS)
    user = User.objects.select_for_update().get(pk=user.pk)
    role = data.get("role", user.role)
    customer = data.get("customer", user.customer)
    if role != UserRole.CUSTOMER_CONTACT and "customer" not in data:
        customer = None
    _check_role_customer(role, customer)
    for field in USER_EDITABLE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.customer = customer
    _sync_flags(user)
    if data.get("password"):
        try:
            validate_password(data["password"], user)
        except ValidationError as exc:
            raise ValidationFailed(errors={"password": list(exc.messages)}) from exc
        user.set_password(data["password"])
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_set_preferences(
    *, user: User, language: str | None = None, timezone: str | None = None
) -> User:
    """Let any user choose their own language and time zone."""
    if language is not None:
        user.language = language
    if timezone is not None:
        user.timezone = timezone
    user.full_clean()
    user.save(update_fields=["language", "timezone"])
    return user


def token_get_or_create(*, user: User) -> str:
    """Return ``user``'s API token, creating it if missing."""
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
