"""Reads of return and exchange requests, scoped to who may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.accounts.selectors import scope_to_user
from aftersales.returns.models import ReturnRequest


def return_list_visible_to(*, user: Any) -> QuerySet[ReturnRequest]:
    """Return the requests ``user`` may see: all for staff, their organisation's for a contact."""
    return scope_to_user(
        ReturnRequest.objects.select_related("case", "case__customer", "asset", "product"),
        user=user,
        customer_path="case__customer_id",
    )


def return_for_case(case: Any) -> ReturnRequest | None:
    """Return the request of ``case``, or None (a case of another type)."""
    return (
        ReturnRequest.objects.select_related("asset", "product", "decided_by", "overridden_by")
        .filter(case_id=case.pk)
        .first()
    )
