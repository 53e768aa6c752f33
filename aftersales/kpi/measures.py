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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN

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
    totals = cases.aggregate(
        cases=Count("id"),
        resolved=Count("id", filter=Q(status__in=["resolved", "closed"])),
        reopenings=Sum("reopen_count"),
        complaints=Count("id", filter=Q(case_type="complaint")),
        fcr=Count(
            "id",
            filter=Q(status__in=["resolved", "closed"], reopen_count=0, visits__isnull=True),
            distinct=True,
        ),
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
