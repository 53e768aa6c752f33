"""Case numbers (``SR-2026-000123``): unique under concurrency, per year."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from aftersales.cases.models import CaseNumberSequence
from aftersales.core.batch import execute_statements, sequence_sql

# Migration cases/0002 creates these years' sequences; others are created on first use.
_PREMADE_SEQUENCE_YEARS = range(2000, 2101)


def _allocate_number(at: datetime) -> str:
    """Return the next case number for the year of ``at``, unique under concurrency.

    PostgreSQL hands out numbers from a per-year sequence (no lock held until commit, so creation
    scales with workers); elsewhere a counter row is incremented, which the database serialises.
    Numbers of rolled-back cases are not reused.
    """
    year = timezone.localtime(at).year
    if connection.vendor == "postgresql":
        serial = _postgres_next(year)
    else:
        updated = CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    CaseNumberSequence.objects.create(year=year, last=1)
            except IntegrityError:
                CaseNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        serial = CaseNumberSequence.objects.values_list("last", flat=True).get(year=year)
    return _format(year, serial)


def _format(year: int, serial: int) -> str:
    return f"{settings.CASES_NUMBER_PREFIX}-{year}-{serial:06d}"


def allocate_number_and_keys(
    at: datetime, counts: Sequence[tuple[type[Model], int]]
) -> tuple[str, list[list[int]]]:
    """Return the next case number for the year of ``at`` and, for each ``(model, count)``,
    ``count`` new primary keys of ``model`` — in one statement on PostgreSQL (the rows are then
    inserted with ``core.batch.insert_together``). Needs ``batching_available()``.
    """
    year = timezone.localtime(at).year
    if year not in _PREMADE_SEQUENCE_YEARS:
        sql, params = _draw_sql("%s", [_postgres_next(year)], counts)
    else:
        sql, params = _draw_sql("nextval(%s)", [f"cases_case_number_{int(year)}"], counts)
    with connection.cursor() as cursor:
        execute_statements(cursor, [(sql, params)])
        row = cursor.fetchone()
    return _format(year, int(row[0])), [list(keys) for keys in row[1:]]


def _draw_sql(
    number_sql: str, params: list[Any], counts: Sequence[tuple[type[Model], int]]
) -> tuple[str, list[Any]]:
    return _draw_text(number_sql, tuple(counts)), params


@functools.cache
def _draw_text(number_sql: str, counts: tuple[tuple[type[Model], int], ...]) -> str:
    arrays = ", ".join(sequence_sql(model, count) for model, count in counts)
    return f"SELECT {number_sql}, {arrays}"  # noqa: S608 - our own SQL


@dataclass
class Reservation:
    """A case number and primary keys drawn ahead of a creation, in the round trip of other
    statements (``reservation_statement``); ``case_create`` uses them when they fit."""

    year: int
    number: str
    keys: dict[type[Model], list[int]]

    def take(
        self, at: datetime, counts: Sequence[tuple[type[Model], int]]
    ) -> tuple[str, list[list[int]]] | None:
        """Return the number and the keys for ``counts`` (as ``allocate_number_and_keys``
        does), or None when the case is numbered in another year or needs more keys."""
        if timezone.localtime(at).year != self.year:
            return None
        if any(len(self.keys.get(model, ())) < count for model, count in counts):
            return None
        return self.number, [self.keys[model][:count] for model, count in counts]


def reservation_statement(
    at: datetime,
    counts: Sequence[tuple[type[Model], int]],
    *,
    only_if: tuple[str, list[Any]],
) -> tuple[str, list[Any]] | None:
    """Return a statement that draws the next case number for the year of ``at`` and, for each
    ``(model, count)``, ``count`` keys — only when the SQL condition ``only_if`` (with its
    parameters) holds, so that a request that cannot create a case draws no number. None for a
    year without a premade sequence. ``reservation_from`` reads its rows."""
    year = timezone.localtime(at).year
    if year not in _PREMADE_SEQUENCE_YEARS:
        return None
    condition, condition_params = only_if
    sql, params = _draw_sql("nextval(%s)", [f"cases_case_number_{int(year)}"], counts)
    return f"{sql} WHERE {condition}", [*params, *condition_params]


def reservation_from(
    at: datetime, counts: Sequence[tuple[type[Model], int]], rows: list[Any]
) -> Reservation | None:
    """Return what ``reservation_statement(at, counts, ...)`` drew (None: its condition did not
    hold)."""
    if not rows:
        return None
    row = rows[0]
    year = timezone.localtime(at).year
    keys = {model: list(drawn) for (model, _), drawn in zip(counts, row[1:], strict=True)}
    return Reservation(year=year, number=_format(year, int(row[0])), keys=keys)


def _postgres_next(year: int) -> int:
    name = f"cases_case_number_{int(year)}"
    with connection.cursor() as cursor:
        if year not in _PREMADE_SEQUENCE_YEARS:
            with transaction.atomic():
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")  # int year, no injection
        cursor.execute("SELECT nextval(%s)", [name])
        return int(cursor.fetchone()[0])
