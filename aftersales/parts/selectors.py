"""Reads of the spare-parts app, scoped to what a user may see."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.selectors import case_list_visible_to
from aftersales.core import clock
from aftersales.parts.choices import Condition, ExchangeStatus, ReplacementStatus
from aftersales.parts.models import (
    Depot,
    ExchangeRepair,
    MinimumLevel,
    Part,
    Replacement,
    ReplenishmentRequest,
    Stock,
    StockMovement,
)


def depot_list() -> QuerySet[Depot]:
    return Depot.objects.select_related("region", "calendar")


def part_list() -> QuerySet[Part]:
    return Part.objects.prefetch_related("substitutes", "compatible_products")


def stock_table(*, depot: Depot | None = None) -> list[dict[str, Any]]:
    """One row per depot and part with the quantity in each condition."""
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    qs = Stock.objects.select_related("depot", "part").order_by("depot__code", "part__part_number")
    if depot is not None:
        qs = qs.filter(depot=depot)
    for s in qs:
        row = rows.setdefault(
            (s.depot_id, s.part_id),
            {"depot": s.depot, "part": s.part, **dict.fromkeys(Condition.values, 0)},
        )
        row[s.condition] = s.quantity
    minimums = {(m.depot_id, m.part_id): m.minimum for m in MinimumLevel.objects.all()}
    for key, row in rows.items():
        row["minimum"] = minimums.get(key)
    return list(rows.values())


def minimum_levels(
    *, depot: Depot | None = None, part: Part | None = None
) -> QuerySet[MinimumLevel]:
    """Minimum levels with the good stock on hand (``good``) next to each."""
    good = Stock.objects.filter(
        depot=OuterRef("depot_id"), part=OuterRef("part_id"), condition=Condition.GOOD
    ).values("quantity")[:1]
    qs = MinimumLevel.objects.select_related("depot", "part").annotate(
        good=Coalesce(Subquery(good, output_field=IntegerField()), 0)
    )
    if depot is not None:
        qs = qs.filter(depot=depot)
    if part is not None:
        qs = qs.filter(part=part)
    return qs


def low_stock_levels(*, depot: Depot | None = None) -> QuerySet[MinimumLevel]:
    """Minimum levels whose good stock is below the minimum."""
    return minimum_levels(depot=depot).filter(good__lt=F("minimum"))


def low_stock() -> list[dict[str, Any]]:
    """Depot/part pairs whose good stock is below their minimum level."""
    return [
        {"depot": m.depot, "part": m.part, "good": m.good, "minimum": m.minimum}
        for m in low_stock_levels().order_by("depot__code", "part__part_number")
    ]


def replenishment_requests(
    *, depot: Depot | None = None, part: Part | None = None, status: str = ""
) -> QuerySet[ReplenishmentRequest]:
    qs = ReplenishmentRequest.objects.select_related("depot", "part", "created_by")
    if depot is not None:
        qs = qs.filter(depot=depot)
    if part is not None:
        qs = qs.filter(part=part)
    if status:
        qs = qs.filter(status=status)
    return qs


def movements(*, depot: Depot | None = None, part: Part | None = None) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("depot", "part", "to_depot", "by")
    if depot is not None:
        qs = qs.filter(Q(depot=depot) | Q(to_depot=depot))
    if part is not None:
        qs = qs.filter(part=part)
    return qs


def ledger_mismatches() -> list[dict[str, Any]]:
    """Compare stock rows with the sums of the ledger; an empty list means they agree."""
    expected: dict[tuple[int, int, str], int] = defaultdict(int)
    outs = (
        StockMovement.objects.exclude(from_condition="")
        .values("depot_id", "part_id", "from_condition")
        .annotate(total=Sum("quantity"))
    )
    for row in outs:
        expected[(row["depot_id"], row["part_id"], row["from_condition"])] -= row["total"]
    ins = (
        StockMovement.objects.exclude(to_condition="")
        .annotate(target=F("to_depot_id"))
        .values("depot_id", "target", "part_id", "to_condition")
        .annotate(total=Sum("quantity"))
    )
    for row in ins:
        target = row["target"] or row["depot_id"]
        expected[(target, row["part_id"], row["to_condition"])] += row["total"]
    actual = {
        (s["depot_id"], s["part_id"], s["condition"]): s["quantity"]
        for s in Stock.objects.values("depot_id", "part_id", "condition", "quantity")
    }
    problems = []
    for key in sorted(set(expected) | set(actual), key=str):
        want, have = expected.get(key, 0), actual.get(key, 0)
        if want != have or have < 0:
            problems.append(
                {
                    "depot": key[0],
                    "part": key[1],
                    "condition": key[2],
                    "ledger": want,
                    "stock": have,
                }
            )
    return problems


def good_stock_elsewhere(*, depot: Depot, part: Part) -> list[dict[str, Any]]:
    """Other depots holding good units of ``part``: same region first, then by code."""
    rows = (
        Stock.objects.filter(part=part, condition=Condition.GOOD, quantity__gt=0)
        .exclude(depot=depot)
        .select_related("depot")
    )
    found = [
        {
            "depot": s.depot.code,
            "name": s.depot.name,
            "quantity": s.quantity,
            "same_region": s.depot.region_id is not None and s.depot.region_id == depot.region_id,
        }
        for s in rows
    ]
    found.sort(key=lambda r: (not r["same_region"], r["depot"]))
    return found


def substitutes_in_stock(*, depot: Depot, part: Part) -> list[dict[str, Any]]:
    """Substitutes of ``part`` with good units, at this depot first."""
    out = []
    for sub in part.substitutes.order_by("part_number"):
        here = Stock.objects.filter(depot=depot, part=sub, condition=Condition.GOOD).first()
        total = (
            Stock.objects.filter(part=sub, condition=Condition.GOOD).aggregate(n=Sum("quantity"))[
                "n"
            ]
            or 0
        )
        out.append(
            {
                "part_number": sub.part_number,
                "name": sub.name,
                "at_depot": here.quantity if here else 0,
                "total": total,
            }
        )
    out.sort(key=lambda r: (r["at_depot"] == 0, r["total"] == 0, r["part_number"]))
    return out


def replacements_visible(*, user: Any) -> QuerySet[Replacement]:
    """Staff see every replacement; a customer contact only their organisation's."""
    qs = Replacement.objects.select_related("case", "part", "depot")
    if has_capability(user, Capability.VIEW_ALL):
        return qs
    return qs.filter(case__in=case_list_visible_to(user=user))


def exchanges_visible(*, user: Any) -> QuerySet[ExchangeRepair]:
    qs = ExchangeRepair.objects.select_related("case", "part", "depot")
    if has_capability(user, Capability.VIEW_ALL):
        return qs
    return qs.filter(case__in=case_list_visible_to(user=user))


def open_replacements() -> QuerySet[Replacement]:
    return (
        Replacement.objects.select_related("case", "part", "depot")
        .filter(
            status__in=[
                ReplacementStatus.RESERVED,
                ReplacementStatus.SHIPPED,
                ReplacementStatus.DELIVERED,
            ]
        )
        .order_by("ship_by")
    )


def overdue_returns(*, now: datetime | None = None) -> QuerySet[Replacement]:
    return (
        Replacement.objects.select_related("case", "part", "depot")
        .filter(status=ReplacementStatus.DELIVERED, return_due__lt=now or clock.now())
        .order_by("return_due")
    )


def open_exchanges() -> QuerySet[ExchangeRepair]:
    return (
        ExchangeRepair.objects.select_related("case", "part", "depot", "escalation")
        .exclude(status=ExchangeStatus.SHIPPED_BACK)
        .order_by("due_at")
    )
