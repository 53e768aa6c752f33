"""KPI pages: the measures and the engineers' scorecards, with CSV and Excel exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.kpi import measures, scorecards

# Slices the console's case list filters by the same name.
LINKABLE = {"region", "team", "customer", "severity", "case_type", "channel"}


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
    start, end = period.bounds()
    query = {
        "queue": "all",
        "is_open": "",
        "reported_after": start.isoformat(),
        "reported_before": end.isoformat(),
    }
    query.update({key: value for key, value in slices.items() if key in LINKABLE})
    context = {
        "nav": "kpi",
        "cases_query": urlencode(query),
        "period": period,
        "summary": measures.summary(period=period, slices=slices),
        "bars": [
            (
                label,
                dimension,
                _bars(
                    measures.by_dimension(measures.cohort(period=period, slices=slices), dimension)
                ),
            )
            for label, dimension in ((_("By region"), "region"), (_("By team"), "team"))
        ],
        "heat": _heat_rows(measures.sla_heat_map(measures.cohort(period=period, slices=slices))),
        "trend": _trend_svg(measures.weekly_trend(period=period, slices=slices)),
        "backlog": measures.backlog(now=clock.now()),
    }
    return render(request, "kpi/dashboard.html", context)


@staff_required
def scorecards_page(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    cards = [
        scorecards.scorecard(engineer=e, period=period)
        for e in scorecards.engineers_visible_to(request.user)[:500]
    ]
    fmt = request.GET.get("format")
    header = [label for _key, label in scorecards.EXPORT_COLUMNS]
    rows = scorecards.export_rows(cards)
    name = f"scorecards-{period.first}-{period.last}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "scorecards"
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        weights = book.create_sheet("weights")
        for key, value in scorecards.weights().items():
            weights.append([key, value])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    return render(
        request,
        "kpi/scorecards.html",
        {"nav": "kpi", "period": period, "cards": cards, "weights": scorecards.weights()},
    )


@staff_required
def support(request: HttpRequest) -> HttpResponse:
    """The technical-support report (faults, root causes, repeat faults, requests by type)."""
    period = _period(request)
    report = measures.support_report(period=period)
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["section", "key", "name", "count", "examples"])
        for row in report["faults_by_product"]:
            writer.writerow(["product", row["product"], row["name"], row["faults"], ""])
        for row in report["root_causes"]:
            writer.writerow(["cause", row["cause"], "", row["cases"], " ".join(row["examples"])])
        for row in report["repeat_faults"]:
            writer.writerow(["repeat", row["serial_number"], "", row["faults"], ""])
        for row in report["requests_by_type"]:
            numbers = " ".join(e["number"] for e in row["examples"])
            writer.writerow(["request", row["case_type"], "", row["cases"], numbers])
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="support-{period.first}-{period.last}.csv"'
        )
        return response
    return render(request, "kpi/support.html", {"nav": "kpi", "period": period, "report": report})


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
