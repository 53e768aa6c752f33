"""The reports that can be exported, registered by the apps that own them.

An app declares its exports in ``<app>/exports.py`` with ``@register``; the registry imports
those modules on first use. A report turns ``(user, params, fmt)`` into tables whose row counts
are known before the first row is produced, so a background job can show its progress and a view
can decide whether an export is small enough to answer at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules


@dataclass
class Table:
    """One sheet (Excel) or block of rows (CSV): a header, the rows and how many there are."""

    name: str
    header: list[str]
    rows: Iterable[list[Any]]
    total: int


@dataclass(frozen=True)
class Report:
    """An exportable report.

    ``tables(user=, params=, fmt=)`` returns the tables (rows may be a lazy iterator);
    ``filename(params)`` the download name without extension; ``allowed(user)`` who may ask.
    """

    key: str
    title: str | Promise
    tables: Callable[..., list[Table]]
    filename: Callable[[dict[str, Any]], str]
    allowed: Callable[[Any], bool] = field(default=lambda user: True)


REPORTS: dict[str, Report] = {}
_discovered = False


def register(report: Report) -> Report:
    """Add ``report`` to the registry (a later registration of the same key replaces it)."""
    REPORTS[report.key] = report
    return report


def get_report(key: str) -> Report | None:
    """Return the registered report ``key`` (or None), importing every app's exports first."""
    global _discovered
    if not _discovered:
        autodiscover_modules("exports")
        _discovered = True
    return REPORTS.get(key)
