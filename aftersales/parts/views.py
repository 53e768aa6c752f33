"""Spare-parts pages (included at /parts/): stock, movements, replacements, exchange repairs,
low stock and replenishment requests, and the CSV / Excel exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.parts import selectors, services
from aftersales.parts.choices import Condition
from aftersales.parts.models import Depot, Part, ReplenishmentRequest


def _depot_filter(request: HttpRequest) -> Depot | None:
    code = request.GET.get("depot", "")
    return Depot.objects.filter(code=code).first() if code else None


@staff_required
def stock(request: HttpRequest) -> HttpResponse:
    depot = _depot_filter(request)
    context = {
        "nav": "parts",
        "depots": list(selectors.depot_list()),
        "depot": depot,
        "rows": selectors.stock_table(depot=depot),
        "conditions": Condition.choices,
        "low": selectors.low_stock(),
        "requests": ReplenishmentRequest.objects.select_related("depot", "part")[:50],
        "may_move": services.may_move_stock(request.user),
    }
    return render(request, "parts/stock.html", context)


@staff_required
def movements(request: HttpRequest) -> HttpResponse:
    depot = _depot_filter(request)
    context = {
        "nav": "parts",
        "depot": depot,
        "moves": selectors.movements(depot=depot)[:500],
    }
    return render(request, "parts/movements.html", context)


@staff_required
def replacements(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    context = {
        "nav": "parts",
        "now": now,
        "open": list(selectors.open_replacements()),
        "overdue": list(selectors.overdue_returns(now=now)),
        "exchanges": list(selectors.open_exchanges()),
    }
    return render(request, "parts/replacements.html", context)


@require_POST
@staff_required
def replenishment_new(request: HttpRequest) -> HttpResponse:
    depot = Depot.objects.filter(code=request.POST.get("depot", "")).first()
    part = Part.objects.filter(part_number=request.POST.get("part_number", "")).first()
    try:
        quantity = int(request.POST.get("quantity", "0"))
    except ValueError:
        quantity = 0
    if depot is None or part is None:
        messages.error(request, _("Choose a depot and a part."))
    else:
        try:
            services.replenishment_request(
                by=request.user,
                depot=depot,
                part=part,
                quantity=quantity,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Replenishment request recorded."))
    return redirect(reverse("parts:stock"))


@require_POST
@staff_required
def replenishment_status(request: HttpRequest, pk: int) -> HttpResponse:
    req = ReplenishmentRequest.objects.filter(pk=pk).first()
    if req is None:
        raise Http404
    try:
        services.replenishment_set_status(
            by=request.user, request=req, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    return redirect(reverse("parts:stock"))


def _table(what: str, depot: Depot | None) -> tuple[list[str], list[list[Any]]]:
    if what == "stock":
        head = [
            _("Depot"),
            _("Part number"),
            _("Name"),
            *[str(label) for _v, label in Condition.choices],
            _("Minimum"),
        ]
        rows = [
            [
                r["depot"].code,
                r["part"].part_number,
                r["part"].name,
                *[r[c] for c in Condition.values],
                r["minimum"] if r["minimum"] is not None else "",
            ]
            for r in selectors.stock_table(depot=depot)
        ]
        return head, rows
    head = [
        _("At"),
        _("Kind"),
        _("Depot"),
        _("Part number"),
        _("From"),
        _("To"),
        _("To depot"),
        _("Quantity"),
        _("Serial numbers"),
        _("Reference"),
        _("By"),
    ]
    rows = [
        [
            timezone.localtime(m.at).strftime("%Y-%m-%d %H:%M:%S"),
            m.kind,
            m.depot.code,
            m.part.part_number,
            m.from_condition,
            m.to_condition,
            m.to_depot.code if m.to_depot else "",
            m.quantity,
            " ".join(m.serial_numbers),
            m.reference,
            m.by.username if m.by else "",
        ]
        for m in selectors.movements(depot=depot).order_by("at", "id")
    ]
    return head, rows


@staff_required
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    if what not in ("stock", "movements") or fmt not in ("csv", "xlsx"):
        raise Http404
    head, rows = _table(what, _depot_filter(request))
    name = f"{what}-{clock.today():%Y%m%d}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly with a BOM
        writer = csv.writer(buf)
        writer.writerow(head)
        writer.writerows(rows)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = what
        sheet.append([str(h) for h in head])
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
