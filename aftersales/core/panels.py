"""Case-page panels contributed by other apps (claims, returns, complaints, ...).

An app registers a provider for a surface (``"console"`` or ``"portal"``) in its
``AppConfig.ready``; the case pages render every provider's HTML after their action panels. A
provider is ``f(request, case) -> str | None`` (``None`` or ``""``: nothing for this case) and
does its own permission checks and queries, so a case type it does not handle costs nothing.

Most cases have no rows in most panels' tables (no visit, no report, no quote, no survey...), and
each provider used to find that out with a query of its own (with its joins to compile). An app
may ``track`` the models its panels read by case; ``render_panels`` then asks once, in one
statement, which of them have rows for the case, and a provider skips its query when
``has_rows`` says there is nothing (outside ``render_panels`` it always says "look").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
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


# model label -> (table, column of the foreign key to the case)
_tracked: dict[str, tuple[str, str]] = {}
_PRESENT = "_panel_rows_present"  # the attribute render_panels sets on the case while it runs


def track(model: Any, field: str = "case") -> None:
    """Let panels ask ``has_rows(case, model)`` (rows of ``model`` whose ``field`` is the case)."""
    _tracked[model._meta.label] = (model._meta.db_table, model._meta.get_field(field).column)


def _rows_present(case: Any) -> frozenset[str]:
    """Return the labels of the tracked models that have rows for ``case`` (one statement)."""
    labels = sorted(_tracked)
    quote = connection.ops.quote_name
    # Table and column names come from model metadata, quoted; the case id is a parameter.
    probes = [
        "EXISTS (SELECT 1 FROM {} WHERE {} = %s)".format(*map(quote, _tracked[label]))  # noqa: S608
        for label in labels
    ]
    sql = "SELECT " + ", ".join(probes)
    with connection.cursor() as cursor:
        cursor.execute(sql, [case.pk] * len(labels))
        row = cursor.fetchone()
    return frozenset(label for label, present in zip(labels, row, strict=True) if present)


def has_rows(case: Any, model: Any) -> bool:
    """Return False when ``case`` has no rows of the tracked ``model`` (as ``render_panels``
    found just before calling the providers); True otherwise, and whenever it cannot tell."""
    present = getattr(case, _PRESENT, None)
    label = model._meta.label
    return present is None or label not in _tracked or label in present


def render_panels(surface: str, request: HttpRequest, case: Any) -> SafeString:
    """Return the HTML of every panel ``surface``'s providers give for ``case``."""
    providers = _providers.get(surface, [])
    if providers and _tracked and getattr(case, "pk", None) is not None:
        setattr(case, _PRESENT, _rows_present(case))
    try:
        parts = [provider(request, case) for provider in providers]
    finally:
        if hasattr(case, _PRESENT):
            delattr(case, _PRESENT)
    # Providers render templates (auto-escaped), so their output is already safe HTML.
    return mark_safe("".join(p for p in parts if p))  # noqa: S308
