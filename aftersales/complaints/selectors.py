"""Reads of complaints: visibility, the complaint of a case, and complaints against a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from aftersales.accounts.selectors import scope_to_user
from aftersales.complaints.choices import ComplaintOutcome
from aftersales.complaints.models import Complaint


def complaint_list_visible_to(*, user: Any) -> QuerySet[Complaint]:
    """Return the complaints ``user`` may see: all for staff, their organisation's for a contact."""
    return scope_to_user(
        Complaint.objects.select_related("case", "case__customer", "product", "person"),
        user=user,
        customer_path="case__customer_id",
    )


def complaint_for_case(case: Any) -> Complaint | None:
    """Return the complaint of ``case``, or None (a case of another type)."""
    return (
        Complaint.objects.select_related(
            "product", "person", "concluded_by", "compensation_decided_by"
        )
        .filter(case_id=case.pk)
        .first()
    )


@dataclass(frozen=True)
class ComplaintCount:
    """Complaints against one person in a period, by outcome."""

    total: int
    upheld: int
    not_upheld: int
    pending: int


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def complaints_against(user: Any, period: tuple[date, date]) -> ComplaintCount:
    """Count the complaints about ``user`` made in ``period`` (first and last local day,
    inclusive), by outcome, for that person's assessment.

    A complaint counts in the period it was made (``complained_at``, the case's report time);
    its outcome is the one decided by now.
    """
    first, last = period
    if last < first:
        raise ValueError("period ends before it starts")
    rows = Complaint.objects.filter(
        person=user,
        complained_at__gte=_local_midnight(first),
        complained_at__lt=_local_midnight(last + timedelta(days=1)),
    ).aggregate(
        total=Count("id"),
        upheld=Count("id", filter=Q(outcome=ComplaintOutcome.UPHELD)),
        not_upheld=Count("id", filter=Q(outcome=ComplaintOutcome.NOT_UPHELD)),
        pending=Count("id", filter=Q(outcome=ComplaintOutcome.PENDING)),
    )
    return ComplaintCount(**rows)
