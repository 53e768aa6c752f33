"""The measures of service, each defined once here and used by every view and export.

A measure is computed over a *cohort*: the cases reported in a period (local days, inclusive),
optionally sliced by region, team, engineer (assignee), customer, product, severity, case type
and channel. Durations are working time on each clock's own calendar (``elapsed_seconds`` of a
met clock), so a pause or a holiday never counts.

- cases: cases in the cohort.
- resolved / resolution rate: cohort cases now resolved or closed.
- first-contact resolution: resolved, never reopened and no visit or remote session.
- reopen rate: reopenings (each counts once, however often one case reopens) per resolved case.
- per SLA target: clocks finished (met or breached), on time (met with no breach), compliance
  = on time / finished, average and median working seconds of the met ones.
- breaches and escalations: clocks of the cohort that breached; escalation rows.
- satisfaction: ratings of cohort cases (average, count per score 1–5); survey response rate =
  answered / sent among the cohort's surveys.
- complaints per 100 cases: cohort cases of type complaint per 100 cohort cases.
- repeat faults: serial numbers with two or more fault cases in the cohort.
- backlog (not a cohort measure): open cases now, by age.
- spare parts (not cohort measures; see ``parts_summary``): part return compliance (advance
  replacements due back in the period returned by ``return_due``), exchange-repair on-time rate
  (orders decided in the period, shipped back within ``due_at``) and spare-part consumption
  (ledger shipments and parts used, per part, product and region).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN
from aftersales.core import clock

SLICES = {
    "region": "customer__region__code",
    "team": "team__code",
    "engineer": "assignee__username",
    "customer": "customer__code",
    "product": "asset__product__code",
    "severity": "severity",
    "case_type": "case_type",
    "channel": "channel",
}
AGE_BUCKETS = [(1, "<1d"), (3, "1-3d"), (7, "3-7d"), (None, ">7d")]


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.first, time.min).replace(tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time.min).replace(tzinfo=zone)
        return start, end


def cohort(
    *, period: Period, slices: dict[str, str] | None = None, base: Any = None
) -> QuerySet[Case]:
    """Return the cases reported in ``period`` matching ``slices`` (name → natural key)."""
    start, end = period.bounds()
    qs = (base if base is not None else Case.objects.all()).filter(
        reported_at__gte=start, reported_at__lt=end
    )
    for name, value in (slices or {}).items():
        if value:
            qs = qs.filter(**{SLICES[name]: value})
    return qs


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def case_measures(cases: QuerySet[Case]) -> dict[str, Any]:
    from aftersales.dispatch.models import Visit

    # "No visit" as a subquery: a join on visits would count a case once per visit.
    visited = Exists(Visit.objects.filter(case=OuterRef("pk")))
    totals = cases.aggregate(
        cases=Count("id"),
        resolved=Count("id", filter=Q(status__in=["resolved", "closed"])),
        reopenings=Sum("reopen_count"),
        complaints=Count("id", filter=Q(case_type="complaint")),
        fcr=Count("id", filter=Q(status__in=["resolved", "closed"], reopen_count=0) & ~Q(visited)),
    )
    n, resolved = totals["cases"], totals["resolved"]
    return {
        "cases": n,
        "resolved": resolved,
        "resolution_rate": _rate(resolved, n),
        "first_contact_resolved": totals["fcr"],
        "first_contact_resolution_rate": _rate(totals["fcr"], resolved),
        "reopenings": totals["reopenings"] or 0,
        "reopen_rate": _rate(totals["reopenings"] or 0, resolved),
        "complaints": totals["complaints"],
        "complaints_per_100_cases": round(100 * totals["complaints"] / n, 2) if n else None,
    }


def sla_measures(cases: QuerySet[Case]) -> dict[str, Any]:
    from aftersales.sla.models import Escalation, SlaClock

    clocks = SlaClock.objects.filter(case__in=cases).exclude(state="cancelled")
    by_target: dict[str, dict[str, Any]] = {}
    for target, met_at, breached_at, elapsed in clocks.values_list(
        "target", "met_at", "breached_at", "elapsed_seconds"
    ):
        row = by_target.setdefault(target, {"finished": 0, "on_time": 0, "breached": 0, "_s": []})
        if breached_at is not None:
            row["breached"] += 1
        if met_at is not None or breached_at is not None:
            row["finished"] += 1
        if met_at is not None and breached_at is None:
            row["on_time"] += 1
        if met_at is not None:
            row["_s"].append(elapsed)
    targets = {}
    for target, row in sorted(by_target.items()):
        seconds = row.pop("_s")
        targets[target] = {
            **row,
            "compliance": _rate(row["on_time"], row["finished"]),
            "average_seconds": round(sum(seconds) / len(seconds)) if seconds else None,
            "median_seconds": round(median(seconds)) if seconds else None,
        }
    return {
        "targets": targets,
        "breaches": sum(t["breached"] for t in targets.values()),
        "escalations": Escalation.objects.filter(case__in=cases).count(),
    }


def satisfaction_measures(cases: QuerySet[Case]) -> dict[str, Any]:
    from aftersales.surveys.models import Rating, Survey

    ratings = Rating.objects.filter(case__in=cases)
    distribution = {str(s): 0 for s in range(1, 6)}
    for score, n in ratings.values_list("score").annotate(n=Count("id")):
        distribution[str(score)] = n
    count = sum(distribution.values())
    total = sum(int(s) * n for s, n in distribution.items())
    surveys = Survey.objects.filter(case__in=cases)
    sent = surveys.count()
    answered = surveys.filter(status="answered").count()
    return {
        "ratings": count,
        "average": round(total / count, 2) if count else None,
        "distribution": distribution,
        "surveys_sent": sent,
        "survey_response_rate": _rate(answered, sent),
    }


def repeat_faults(cases: QuerySet[Case], *, limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        cases.filter(case_type="fault", asset__isnull=False)
        .values("asset__serial_number")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "asset__serial_number")[:limit]
    )
    return [{"serial_number": r["asset__serial_number"], "faults": r["n"]} for r in rows]


def backlog(*, now: datetime, base: Any = None) -> dict[str, int]:
    """Open cases now by age since report."""
    qs = (base if base is not None else Case.objects.all()).filter(status__in=OPEN)
    out: dict[str, int] = {}
    lower = None
    for days, label in AGE_BUCKETS:
        part = qs
        if lower is not None:
            part = part.filter(reported_at__lte=now - timedelta(days=lower))
        if days is not None:
            part = part.filter(reported_at__gt=now - timedelta(days=days))
        out[label] = part.count()
        lower = days
    return out


def summary(
    *, period: Period, slices: dict[str, str] | None = None, base: Any = None
) -> dict[str, Any]:
    cases = cohort(period=period, slices=slices, base=base)
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "slices": {k: v for k, v in (slices or {}).items() if v},
        **case_measures(cases),
        "sla": sla_measures(cases),
        "satisfaction": satisfaction_measures(cases),
        "repeat_faults": repeat_faults(cases),
    }


def support_report(*, period: Period, examples: int = 3) -> dict[str, Any]:
    """The technical-support report for product improvement: faults by product and product
    category, the top root causes, repeat-fault serials, and customer requests by case type,
    each with example cases."""
    cases = cohort(period=period)
    faults = cases.filter(case_type="fault")
    by_product = list(
        faults.filter(asset__isnull=False)
        .values("asset__product__code", "asset__product__name", "asset__product__category")
        .annotate(n=Count("id"))
        .order_by("-n", "asset__product__code")[:50]
    )
    causes = list(
        faults.exclude(cause="")
        .values("cause")
        .annotate(n=Count("id"))
        .order_by("-n", "cause")[:20]
    )
    for row in causes:
        row["examples"] = list(
            faults.filter(cause=row["cause"])
            .order_by("-reported_at")
            .values_list("number", flat=True)[:examples]
        )
    requests = list(cases.values("case_type").annotate(n=Count("id")).order_by("-n", "case_type"))
    for row in requests:
        row["examples"] = list(
            cases.filter(case_type=row["case_type"])
            .order_by("-reported_at")
            .values("number", "summary")[:examples]
        )
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "faults": faults.count(),
        "faults_by_product": [
            {
                "product": r["asset__product__code"],
                "name": r["asset__product__name"],
                "category": r["asset__product__category"],
                "faults": r["n"],
            }
            for r in by_product
        ],
        "root_causes": [
            {"cause": r["cause"], "cases": r["n"], "examples": r["examples"]} for r in causes
        ],
        "repeat_faults": repeat_faults(cases),
        "requests_by_type": [
            {"case_type": r["case_type"], "cases": r["n"], "examples": r["examples"]}
            for r in requests
        ],
    }


def sla_heat_map(cases: QuerySet[Case]) -> dict[str, Any]:
    """SLA compliance per severity × target (finished clocks only)."""
    from aftersales.sla.models import SlaClock

    cells: dict[tuple[str, str], list[int]] = {}
    rows = (
        SlaClock.objects.filter(case__in=cases)
        .exclude(state="cancelled")
        .values_list("case__severity", "target", "met_at", "breached_at")
    )
    for severity, target, met_at, breached_at in rows:
        if met_at is None and breached_at is None:
            continue
        cell = cells.setdefault((severity, target), [0, 0])
        cell[1] += 1
        if met_at is not None and breached_at is None:
            cell[0] += 1
    severities = sorted({s for s, _t in cells})
    targets = sorted({t for _s, t in cells})
    return {
        "severities": severities,
        "targets": targets,
        "cells": {
            f"{s}|{t}": {"on_time": v[0], "finished": v[1], "compliance": _rate(v[0], v[1])}
            for (s, t), v in cells.items()
        },
    }


def weekly_trend(*, period: Period, slices: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Cases, resolution rate and response compliance per week (Monday to Sunday) of the period."""
    first = period.first - timedelta(days=period.first.weekday())
    weeks = []
    while first <= period.last:
        last = min(first + timedelta(days=6), period.last)
        week = Period(max(first, period.first), last)
        cases = cohort(period=week, slices=slices)
        counts = case_measures(cases)
        response = sla_measures(cases)["targets"].get("response", {})
        weeks.append(
            {
                "from": week.first.isoformat(),
                "cases": counts["cases"],
                "resolution_rate": counts["resolution_rate"],
                "response_compliance": response.get("compliance"),
            }
        )
        first += timedelta(days=7)
    return weeks


def by_dimension(cases: QuerySet[Case], dimension: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Cases, resolved and SLA breaches per value of a slice (e.g. per region or team)."""
    field = SLICES[dimension]
    rows = (
        cases.values(field)
        .annotate(
            cases=Count("id"),
            resolved=Count("id", filter=Q(status__in=["resolved", "closed"])),
            breached=Count("id", filter=Q(sla_state="breached")),
        )
        .order_by("-cases", field)[:limit]
    )
    return [
        {
            "key": r[field] or "",
            "cases": r["cases"],
            "resolved": r["resolved"],
            "breached": r["breached"],
        }
        for r in rows
    ]


# --- Spare parts: part returns, exchange repairs, consumption ---------------------------------
# These are not case-cohort measures: each counts the parts records whose own deadline or ledger
# time falls in the period. Slices other than the period filter through the order's case
# (the same case fields as above); consumption's region is the depot's region.

CONSUMPTION_KINDS = ("shipment", "use")


def _case_slices(qs: QuerySet[Any], slices: dict[str, str] | None, prefix: str) -> QuerySet[Any]:
    for name, value in (slices or {}).items():
        if value:
            qs = qs.filter(**{f"{prefix}{SLICES[name]}": value})
    return qs


def part_return_measures(
    *,
    period: Period,
    slices: dict[str, str] | None = None,
    now: datetime | None = None,
    late_limit: int = 20,
) -> dict[str, Any]:
    """Return part return compliance: advance replacements whose faulty part came back by
    ``return_due``, among the replacements due back in ``period``.

    - The population is the replacements whose ``return_due`` (the closing time of the 10th depot
      working day after delivery, so holidays never count) falls in the period. A replacement
      not delivered yet has no deadline and is not due.
    - Cancelled replacements never count (nothing reached the customer).
    - ``on_time``: received at or before ``return_due``; ``late``: received after it;
      ``overdue``: not received and ``return_due`` has passed; ``pending``: not received and not
      due yet. A pending one is undecided and left out until its deadline passes.
    - ``due`` = on_time + late + overdue; ``compliance`` = on_time / due.
    - ``late_orders`` lists the late and overdue ones (number, case, due) behind the rate.
    """
    from aftersales.parts.models import Replacement

    now = now or clock.now()
    start, end = period.bounds()
    due_back = _case_slices(
        Replacement.objects.exclude(status="cancelled").filter(
            return_due__gte=start, return_due__lt=end
        ),
        slices,
        "case__",
    )
    missed = Q(returned_at__gt=F("return_due")) | Q(returned_at__isnull=True, return_due__lt=now)
    totals = due_back.aggregate(
        on_time=Count("id", filter=Q(returned_at__lte=F("return_due"))),
        late=Count("id", filter=Q(returned_at__gt=F("return_due"))),
        overdue=Count("id", filter=Q(returned_at__isnull=True, return_due__lt=now)),
        pending=Count("id", filter=Q(returned_at__isnull=True, return_due__gte=now)),
    )
    due = totals["on_time"] + totals["late"] + totals["overdue"]
    late_orders = [
        {
            "number": number,
            "case": case_number,
            "return_due": return_due.isoformat(),
            "returned_at": returned_at.isoformat() if returned_at else None,
        }
        for number, case_number, return_due, returned_at in due_back.filter(missed)
        .order_by("return_due", "number")
        .values_list("number", "case__number", "return_due", "returned_at")[:late_limit]
    ]
    return {
        **totals,
        "due": due,
        "compliance": _rate(totals["on_time"], due),
        "late_orders": late_orders,
    }


def exchange_repair_measures(
    *,
    period: Period,
    slices: dict[str, str] | None = None,
    now: datetime | None = None,
    late_limit: int = 20,
) -> dict[str, Any]:
    """Return the exchange-repair on-time rate: orders shipped back within ``due_at`` (72
    working hours on the depot calendar after receipt) among the orders decided in ``period``.

    An order is decided once: on time when it is completed at or before ``due_at`` (exactly at
    ``due_at`` is on time), counted in the period of its ``completed_at``; late when ``due_at``
    passed first, counted in the period of its ``due_at`` whether it is still open or was
    completed later. An open order not due yet is not counted. ``decided`` = on_time + late;
    ``on_time_rate`` = on_time / decided; ``late_orders`` lists the late ones.
    """
    from aftersales.parts.models import ExchangeRepair

    now = now or clock.now()
    start, end = period.bounds()
    orders = _case_slices(ExchangeRepair.objects.all(), slices, "case__")
    on_time = orders.filter(
        completed_at__gte=start, completed_at__lt=end, completed_at__lte=F("due_at")
    )
    late = orders.filter(due_at__gte=start, due_at__lt=min(end, now)).filter(
        Q(completed_at__isnull=True) | Q(completed_at__gt=F("due_at"))
    )
    n_on_time, n_late = on_time.count(), late.count()
    late_orders = [
        {
            "number": number,
            "case": case_number,
            "due_at": due_at.isoformat(),
            "completed_at": completed_at.isoformat() if completed_at else None,
        }
        for number, case_number, due_at, completed_at in late.order_by(
            "due_at", "number"
        ).values_list("number", "case__number", "due_at", "completed_at")[:late_limit]
    ]
    return {
        "decided": n_on_time + n_late,
        "on_time": n_on_time,
        "late": n_late,
        "open_late": late.filter(completed_at__isnull=True).count(),
        "on_time_rate": _rate(n_on_time, n_on_time + n_late),
        "late_orders": late_orders,
    }


def part_consumption(
    *, period: Period, slices: dict[str, str] | None = None, limit: int = 50
) -> dict[str, Any]:
    """Return spare-part consumption: units that left stock for customers in ``period``.

    Counted from the parts ledger (``StockMovement``): shipments (advance replacements, or a
    clerk's shipment out of good stock) and parts used in exchange repairs, by the movement's
    ``at``. Reservations, releases, deliveries, returns, transfers, repairs, scrap and
    corrections are not consumption. The region is the depot's region (where the stock was
    drawn); the product is the one of the case's unit, found through the replacement or
    exchange repair named in the movement's ``reference`` ("" when none). A ``region`` slice
    filters by the depot's region; any other slice by the order's case (movements without a
    case then drop out). Returns the total and the quantities ``by_part``, ``by_product`` and
    ``by_region`` (largest first, at most ``limit`` rows each).
    """
    from aftersales.parts.models import ExchangeRepair, Replacement, StockMovement

    start, end = period.bounds()
    moves = StockMovement.objects.filter(kind__in=CONSUMPTION_KINDS, at__gte=start, at__lt=end)
    slices = {k: v for k, v in (slices or {}).items() if v}
    if slices.get("region"):
        moves = moves.filter(depot__region__code=slices.pop("region"))
    rows = list(
        moves.values_list("part__part_number", "part__name", "depot__region__code", "reference")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    references = {r[3] for r in rows if r[3]}
    case_of: dict[str, int] = dict(
        Replacement.objects.filter(number__in=references).values_list("number", "case_id")
    )
    case_of.update(
        ExchangeRepair.objects.filter(number__in=references).values_list("number", "case_id")
    )
    cases = Case.objects.filter(pk__in=set(case_of.values()))
    if slices:
        cases = _case_slices(cases, slices, "")
    product_of = dict(cases.values_list("pk", "asset__product__code"))
    by_part: dict[tuple[str, str], int] = {}
    by_product: dict[str, int] = {}
    by_region: dict[str, int] = {}
    total = 0
    for part_number, name, region, reference, quantity in rows:
        case_id = case_of.get(reference)
        if slices and case_id not in product_of:
            continue
        product = (product_of.get(case_id) or "") if case_id else ""
        by_part[(part_number, name)] = by_part.get((part_number, name), 0) + quantity
        by_product[product] = by_product.get(product, 0) + quantity
        by_region[region or ""] = by_region.get(region or "", 0) + quantity
        total += quantity

    def ranked(counts: dict[Any, int]) -> list[tuple[Any, int]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    return {
        "total": total,
        "by_part": [
            {"part": number, "name": name, "quantity": q} for (number, name), q in ranked(by_part)
        ],
        "by_product": [{"product": p, "quantity": q} for p, q in ranked(by_product)],
        "by_region": [{"region": r, "quantity": q} for r, q in ranked(by_region)],
    }


def parts_summary(
    *, period: Period, slices: dict[str, str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Return the three spare-parts measures of ``period`` (see each function)."""
    return {
        "part_returns": part_return_measures(period=period, slices=slices, now=now),
        "exchange_repairs": exchange_repair_measures(period=period, slices=slices, now=now),
        "consumption": part_consumption(period=period, slices=slices),
    }
