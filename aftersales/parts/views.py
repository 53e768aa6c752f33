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
def minimum_save(request: HttpRequest) -> HttpResponse:
    """Set (or change) the minimum good stock of a part at a depot; clerks only."""
    depot = Depot.objects.filter(code=request.POST.get("depot", "")).first()
    part = Part.objects.filter(part_number=request.POST.get("part_number", "").strip()).first()
    try:
        minimum = int(request.POST.get("minimum", ""))
    except ValueError:
        minimum = -1
    if depot is None or part is None:
        messages.error(request, _("Choose a depot and a part."))
    else:
        try:
            services.minimum_set(by=request.user, depot=depot, part=part, minimum=minimum)
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Minimum saved."))
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


# --- Actions from the console case page ---------------------------------------------------------


def _when(request: HttpRequest, field: str) -> Any:
    """A ``datetime-local`` value read in the current time zone; empty means now."""
    from datetime import datetime

    raw = request.POST.get(field, "").strip()
    if not raw:
        return clock.now()
    try:
        return timezone.make_aware(datetime.fromisoformat(raw))
    except (ValueError, OverflowError):
        return None


def _case_or_404(request: HttpRequest, number: str) -> Any:
    from aftersales.cases.selectors import case_list_visible_to

    case = case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    return case


@require_POST
@staff_required
def case_order(request: HttpRequest, number: str, what: str) -> HttpResponse:
    """Order an advance replacement or record an exchange repair for the case."""
    case = _case_or_404(request, number)
    part = Part.objects.filter(part_number=request.POST.get("part_number", "").strip()).first()
    depot = Depot.objects.filter(code=request.POST.get("depot", "")).first()
    at = _when(request, "at")
    if part is None or depot is None or at is None or what not in ("replacement", "exchange"):
        messages.error(request, _("Choose a known part, a depot and a valid time."))
    else:
        try:
            if what == "replacement":
                r = services.replacement_create(
                    by=request.user, case=case, part=part, depot=depot, fault_confirmed_at=at
                )
            else:
                r = services.exchange_create(
                    by=request.user, case=case, part=part, depot=depot, received_at=at
                )
        except DomainError as exc:
            report_domain_error(request, exc)
            suggestions = getattr(exc, "extra", {}).get("suggestions")
            if suggestions:
                names = [f"{d['depot']} ({d['quantity']})" for d in suggestions["other_depots"]]
                names += [f"{p['part_number']} ({p['total']})" for p in suggestions["substitutes"]]
                if names:
                    messages.info(request, _("In stock elsewhere: %s") % ", ".join(names))
        else:
            messages.success(request, _("%(number)s recorded.") % {"number": r.number})
    return redirect(reverse("console:case", kwargs={"number": number}) + "#parts")


@require_POST
@staff_required
def replacement_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    r = selectors.replacements_visible(user=request.user).filter(number=number).first()
    if r is None or step not in ("ship", "deliver", "return", "cancel"):
        raise Http404
    at = _when(request, "at")
    try:
        if at is None:
            messages.error(request, _("Give a valid time."))
        elif step == "ship":
            services.replacement_ship(
                by=request.user,
                replacement=r,
                shipped_at=at,
                carrier=request.POST.get("carrier", ""),
                tracking_number=request.POST.get("tracking_number", ""),
            )
        elif step == "deliver":
            services.replacement_deliver(by=request.user, replacement=r, delivered_at=at)
        elif step == "return":
            services.replacement_receive_return(
                by=request.user,
                replacement=r,
                received_at=at,
                serial_number=request.POST.get("serial_number", ""),
            )
        else:
            services.replacement_cancel(by=request.user, replacement=r)
    except DomainError as exc:
        report_domain_error(request, exc)
    return redirect(reverse("console:case", kwargs={"number": r.case.number}) + "#parts")


@require_POST
@staff_required
def exchange_step(request: HttpRequest, number: str) -> HttpResponse:
    o = selectors.exchanges_visible(user=request.user).filter(number=number).first()
    if o is None:
        raise Http404
    try:
        services.exchange_advance(by=request.user, order=o, status=request.POST.get("status", ""))
    except DomainError as exc:
        report_domain_error(request, exc)
    return redirect(reverse("console:case", kwargs={"number": o.case.number}) + "#parts")
