"""Domain errors: raised by services, mapped to HTTP answers by the API layer.

Each error has a stable ``code`` (never translated) and a translated message. ``field`` errors
become ``400 {"field": ["message"]}``; ``InvalidTransition`` becomes ``409`` with ``allowed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """Base class of every business-rule violation."""

    code = "domain_error"
    status_code = 400

    def __init__(
        self, message: str | Promise, *, field: str | None = None, code: str | None = None
    ):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_data(self) -> dict[str, Any]:
        """Return the error as the API's JSON body."""
        if self.field:
            return {self.field: [str(self.message)]}
        return {"detail": str(self.message), "code": self.code}


class ValidationFailed(DomainError):
    """Input that breaks a business rule (400), optionally naming several fields."""

    code = "invalid"

    def __init__(
        self,
        message: str | Promise = "",
        *,
        field: str | None = None,
        errors: dict[str, list[str | Promise]] | None = None,
    ):
        super().__init__(message, field=field)
        self.errors = errors or {}

    def as_data(self) -> dict[str, Any]:
        if self.errors:
            return {k: [str(m) for m in v] for k, v in self.errors.items()}
        return super().as_data()


class NotAllowed(DomainError):
    """The acting user may not do this (403)."""

    code = "not_allowed"
    status_code = 403


class Conflict(DomainError):
    """The object changed under the caller, or a resource ran out (409)."""

    code = "conflict"
    status_code = 409

    def __init__(self, message: str | Promise, *, code: str | None = None, **extra: Any):
        super().__init__(message, code=code)
        self.extra = extra

    def as_data(self) -> dict[str, Any]:
        return {"detail": str(self.message), "code": self.code, **self.extra}


class InvalidTransition(Conflict):
    """A state-machine move that the table does not allow (409 with ``allowed``)."""

    code = "invalid_transition"

    def __init__(self, message: str | Promise, *, allowed: Iterable[str]):
        super().__init__(message, allowed=sorted(str(a) for a in allowed))
