"""The KPI reports as exports (CSV and Excel), inline or in the background (aftersales.exports).

Each report reads its parameters (``from``, ``to`` and the slices) from a plain dict, so a
background job stores them and produces exactly the file the page would have given at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.exports.registry import Report, Table, register
from aftersales.kpi import measures, scorecards


def period_of(params: dict[str, Any]) -> measures.Period:
    """Return the period of ``params`` (``from``/``to`` ISO dates; default: this month)."""

    def day(name: str, default: date) -> date:
        try:
            return parse_date(str(params.get(name) or "")) or default
        except ValueError:
            return default

    last = day("to", clock.today())
    first = day("from", last.replace(day=1))
    return measures.Period(min(first, last), last)


def params_of(period: measures.Period, slices: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the parameters that give ``period`` and ``slices`` back (stored with a job)."""
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        **{k: v for k, v in (slices or {}).items() if v and k in measures.SLICES},
    }


def _slices(params: dict[str, Any]) -> dict[str, str]:
    return {k: str(params[k]) for k in measures.SLICES if params.get(k)}


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_service_staff", False))


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --- The cases behind the dashboard -------------------------------------------------------------

CASE_COLUMNS = [
    ("number", "Case"),
    ("reported_at", "Reported at"),
    ("customer__code", "Customer"),
    ("customer__name", "Customer name"),
    ("customer__region__code", "Region"),
    ("team__code", "Team"),
    ("assignee__username", "Engineer"),
    ("asset__product__code", "Product"),
    ("asset__serial_number", "Serial number"),
    ("severity", "Severity"),
    ("case_type", "Case type"),
    ("channel", "Channel"),
    ("status", "Status"),
    ("sla_state", "SLA state"),
    ("resolved_at", "Resolved at"),
    ("reopen_count", "Reopenings"),
]


def dashboard_cases_tables(*, user: Any, params: dict[str, Any], fmt: str) -> list[Table]:
    """The dashboard's cohort (period and slices), one row per case, oldest first."""
    from aftersales.cases.selectors import case_list_visible_to

    cases = measures.cohort(
        period=period_of(params), slices=_slices(params), base=case_list_visible_to(user=user)
    ).order_by("reported_at", "id")
    fields = [f for f, _label in CASE_COLUMNS]

    def rows() -> Iterator[list[Any]]:
        for values in cases.values_list(*fields).iterator(chunk_size=2000):
            row = dict(zip(fields, values, strict=True))
            row["reported_at"] = _local(row["reported_at"])
            row["resolved_at"] = _local(row["resolved_at"])
            yield [row[f] if row[f] is not None else "" for f in fields]

    return [
        Table(
            name="cases",
            header=[label for _f, label in CASE_COLUMNS],
            rows=rows(),
            total=cases.count(),
        )
    ]


register(
    Report(
        key="kpi.cases",
        title=_("KPI dashboard: cases"),
        tables=dashboard_cases_tables,
        filename=lambda p: f"cases-{period_of(p).first}-{period_of(p).last}",
        allowed=_staff,
    )
)


# --- The assessment sheet -----------------------------------------------------------------------


def scorecards_tables(*, user: Any, params: dict[str, Any], fmt: str) -> list[Table]:
    """Every scorecard ``user`` may read (one row per engineer); Excel adds the weights."""
    period = period_of(params)
    engineers = scorecards.engineers_visible_to(user)

    def rows() -> Iterator[list[Any]]:
        for engineer in engineers.iterator():
            card = scorecards.scorecard(engineer=engineer, period=period)
            yield scorecards.export_rows([card])[0]

    tables = [
        Table(
            name="scorecards",
            header=[label for _key, label in scorecards.EXPORT_COLUMNS],
            rows=rows(),
            total=engineers.count(),
        )
    ]
    if fmt == "xlsx":
        weights = [[key, value] for key, value in scorecards.weights().items()]
        tables.append(
            Table(name="weights", header=["Component", "Weight"], rows=weights, total=len(weights))
        )
    return tables


register(
    Report(
        key="kpi.scorecards",
        title=_("Engineers' scorecards (assessment sheet)"),
        tables=scorecards_tables,
        filename=lambda p: f"scorecards-{period_of(p).first}-{period_of(p).last}",
        allowed=_staff,
    )
)


# --- The technical-support report ---------------------------------------------------------------


def support_rows(report: dict[str, Any], parts: dict[str, Any]) -> list[list[Any]]:
    """The support report as (section, key, name, count, examples) rows, spare parts last."""
    rows: list[list[Any]] = []
    for row in report["faults_by_product"]:
        rows.append(["product", row["product"], row["name"], row["faults"], ""])
    for row in report["root_causes"]:
        rows.append(["cause", row["cause"], "", row["cases"], " ".join(row["examples"])])
    for row in report["repeat_faults"]:
        rows.append(["repeat", row["serial_number"], "", row["faults"], ""])
    for row in report["requests_by_type"]:
        numbers = " ".join(e["number"] for e in row["examples"])
        rows.append(["request", row["case_type"], "", row["cases"], numbers])
    returns, repairs = parts["part_returns"], parts["exchange_repairs"]
    late_returns = " ".join(o["number"] for o in returns["late_orders"])
    late_repairs = " ".join(o["number"] for o in repairs["late_orders"])
    rows += [
        ["part_returns", "due", "", returns["due"], ""],
        ["part_returns", "on_time", "", returns["on_time"], ""],
        ["part_returns", "late", "", returns["late"], ""],
        ["part_returns", "overdue", "", returns["overdue"], late_returns],
        ["part_returns", "pending", "", returns["pending"], ""],
        ["part_returns", "compliance", "", returns["compliance"], ""],
        ["exchange_repairs", "decided", "", repairs["decided"], ""],
        ["exchange_repairs", "on_time", "", repairs["on_time"], ""],
        ["exchange_repairs", "late", "", repairs["late"], late_repairs],
        ["exchange_repairs", "on_time_rate", "", repairs["on_time_rate"], ""],
    ]
    consumption = parts["consumption"]
    rows.append(["consumption", "total", "", consumption["total"], ""])
    for row in consumption["by_part"]:
        rows.append(["consumption_part", row["part"], row["name"], row["quantity"], ""])
    for row in consumption["by_product"]:
        rows.append(["consumption_product", row["product"], "", row["quantity"], ""])
    for row in consumption["by_region"]:
        rows.append(["consumption_region", row["region"], "", row["quantity"], ""])
    return [[value if value is not None else "" for value in row] for row in rows]


def support_tables(*, user: Any, params: dict[str, Any], fmt: str) -> list[Table]:
    period = period_of(params)
    rows = support_rows(
        measures.support_report(period=period), measures.parts_summary(period=period)
    )
    return [
        Table(
            name="support",
            header=["section", "key", "name", "count", "examples"],
            rows=rows,
            total=len(rows),
        )
    ]


register(
    Report(
        key="kpi.support",
        title=_("Technical-support report"),
        tables=support_tables,
        filename=lambda p: f"support-{period_of(p).first}-{period_of(p).last}",
        allowed=_staff,
    )
)
