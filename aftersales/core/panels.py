"""Case-page panels contributed by other apps (claims, returns, complaints, ...).

An app registers a provider for a surface (``"console"`` or ``"portal"``) in its
``AppConfig.ready``; the case pages render every provider's HTML after their action panels. A
provider is ``f(request, case) -> str | None`` (``None`` or ``""``: nothing for this case) and
does its own permission checks and queries, so a case type it does not handle costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

Provider = Callable[[HttpRequest, Any], str | None]

SURFACES = ("console", "portal")
_providers: dict[str, list[Provider]] = {surface: [] for surface in SURFACES}


def register(surface: str, provider: Provider) -> Provider:
    """Add ``provider`` to the case pages of ``surface`` (idempotent)."""
    if surface not in _providers:
        raise ValueError(f"unknown surface {surface!r}; use one of {SURFACES}")
    if provider not in _providers[surface]:
        _providers[surface].append(provider)
    return provider


def render_panels(surface: str, request: HttpRequest, case: Any) -> SafeString:
    """Return the HTML of every panel ``surface``'s providers give for ``case``."""
    parts = [provider(request, case) for provider in _providers.get(surface, [])]
    # Providers render templates (auto-escaped), so their output is already safe HTML.
    return mark_safe("".join(p for p in parts if p))  # noqa: S308
