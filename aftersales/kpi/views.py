"""KPI pages: the measures and the engineers' scorecards, with CSV and Excel exports."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.exports.views import respond as export_respond
from aftersales.kpi import exports as kpi_exports
from aftersales.kpi import measures, rollups, scorecards

# Slices the console's case list filters by the same name.
LINKABLE = {"region", "team", "customer", "severity", "case_type", "channel"}
EXPORT_FORMATS = ("csv", "xlsx")


def _period(request: HttpRequest) -> measures.Period:
    today = clock.today()

    def day(name: str, default: date) -> date:
        try:
            return parse_date(request.GET.get(name, "") or "") or default
        except ValueError:
            return default

    last = day("to", today)
    first = day("from", last.replace(day=1))
    if last < first:
        first = last
    return measures.Period(first, last)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    slices = {k: request.GET.get(k, "") for k in measures.SLICES if request.GET.get(k)}
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_respond(
            request, report="kpi.cases", params=kpi_exports.params_of(period, slices), fmt=fmt
        )
    start, end = period.bounds()
    query = {
        "queue": "all",
        "is_open": "",
        "reported_after": start.isoformat(),
        "reported_before": end.isoformat(),
    }
    query.update({key: value for key, value in slices.items() if key in LINKABLE})
    data = rollups.dashboard(period=period, slices=slices)
    context = {
        "nav": "kpi",
        "cases_query": urlencode(query),
        "period": period,
        # The measures of ``measures`` read from the daily rollups (equal to the direct
        # computation; today and the days of cases changed since the last run are read live).
        "summary": data["summary"],
        "bars": [
            (_("By region"), "region", _bars(data["by_region"])),
            (_("By team"), "team", _bars(data["by_team"])),
        ],
        "heat": _heat_rows(data["heat"]),
        "trend": _trend_svg(data["trend"]),
        "backlog": measures.backlog(now=clock.now()),
        "parts": measures.parts_summary(period=period, slices=slices),
        "export_query": urlencode(kpi_exports.params_of(period, slices)),
    }
    return render(request, "kpi/dashboard.html", context)


@staff_required
def scorecards_page(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_respond(
            request, report="kpi.scorecards", params=kpi_exports.params_of(period), fmt=fmt
        )
    cards = [
        scorecards.scorecard(engineer=e, period=period)
        for e in scorecards.engineers_visible_to(request.user)[:500]
    ]
    return render(
        request,
        "kpi/scorecards.html",
        {"nav": "kpi", "period": period, "cards": cards, "weights": scorecards.weights()},
    )


@staff_required
def support(request: HttpRequest) -> HttpResponse:
    """The technical-support report (faults, root causes, repeat faults, requests by type)."""
    period = _period(request)
    fmt = request.GET.get("format")
    if fmt in EXPORT_FORMATS:
        return export_respond(
            request, report="kpi.support", params=kpi_exports.params_of(period), fmt=fmt
        )
    report = measures.support_report(period=period)
    parts = measures.parts_summary(period=period)
    return render(
        request,
        "kpi/support.html",
        {"nav": "kpi", "period": period, "report": report, "parts": parts},
    )


def _heat_rows(heat: dict) -> dict:
    rows = []
    for severity in heat["severities"]:
        cells = []
        for target in heat["targets"]:
            cell = heat["cells"].get(f"{severity}|{target}")
            cells.append(cell)
        rows.append((severity, cells))
    return {"targets": heat["targets"], "rows": rows}


def _trend_svg(weeks: list[dict]) -> dict:
    """Points of a small line chart of cases per week (drawn as inline SVG, no JavaScript)."""
    width, height = 320, 80
    top = max((w["cases"] for w in weeks), default=0) or 1
    step = width / max(len(weeks) - 1, 1)
    points = " ".join(
        f"{round(i * step, 1)},{round(height - height * w['cases'] / top, 1)}"
        for i, w in enumerate(weeks)
    )
    return {"weeks": weeks, "points": points, "width": width, "height": height}


def _bars(rows: list[dict]) -> list[dict]:
    top = max((r["cases"] for r in rows), default=0) or 1
    return [{**r, "width": round(160 * r["cases"] / top)} for r in rows]
