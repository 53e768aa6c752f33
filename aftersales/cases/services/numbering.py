"""Case numbers (``SR-2026-000123``): unique under concurrency, per year."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from aftersales.cases.models import CaseNumberSequence

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
    prefix = settings.CASES_NUMBER_PREFIX
    return f"{prefix}-{year}-{serial:06d}"


def _postgres_next(year: int) -> int:
    name = f"cases_case_number_{int(year)}"
    with connection.cursor() as cursor:
        if year not in _PREMADE_SEQUENCE_YEARS:
            with transaction.atomic():
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")  # int year, no injection
        cursor.execute("SELECT nextval(%s)", [name])
        return int(cursor.fetchone()[0])
