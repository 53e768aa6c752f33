"""Who is acting, and from where: set per request by the middleware, read by the recorder."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


@dataclass(frozen=True)
class Origin:
    actor: Any
    source: str
    ip_address: str | None
    path: str


def current() -> Origin:
    """Return the acting user (None outside a signed-in request) and where the change came from."""
    request = _request.get()
    if request is None:
        return Origin(None, "system", None, "")
    user = getattr(request, "user", None)  # DRF sets it on the request once it authenticates
    actor = user if user is not None and user.is_authenticated else None
    path = request.path or ""
    if path.startswith("/admin/"):
        source = "admin"
    elif path.startswith("/api/"):
        source = "api"
    else:
        source = "web"
    return Origin(actor, source, request.META.get("REMOTE_ADDR") or None, path[:300])


class AuditContextMiddleware:
    """Remember the request for the audit recorder while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
