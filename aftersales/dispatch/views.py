"""Field-service pages: dispatch from the case page, and the engineers' phone pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.models import User
from aftersales.cases.selectors import case_list_visible_to
from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.dispatch import selectors, services
from aftersales.dispatch.forms import CancelForm, DepartForm, DispatchForm
from aftersales.dispatch.models import Visit


def _form_errors(request: HttpRequest, form: object) -> None:
    for field, errors in form.errors.items():  # type: ignore[attr-defined]
        label = form.fields[field].label if field in form.fields else ""  # type: ignore[attr-defined]
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@require_POST
@staff_required
def dispatch(request: HttpRequest, number: str) -> HttpResponse:
    case = (
        case_list_visible_to(user=request.user)  # type: ignore[arg-type]
        .select_related("customer", "site", "asset__product")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    candidates = selectors.dispatch_candidates(case=case, now=clock.now())
    form = DispatchForm(request.POST, prefix="dispatch", candidates=candidates)
    if form.is_valid():
        engineer = User.objects.get(username=form.cleaned_data["engineer"])
        try:
            visit = services.case_dispatch(
                case=case,
                engineer=engineer,
                by=request.user,  # type: ignore[arg-type]
                planned_at=form.cleaned_data["planned_at"],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(
                request,
                _("%(name)s dispatched.")
                % {"name": visit.engineer.get_full_name() or visit.engineer},
            )
    else:
        _form_errors(request, form)
    return redirect(reverse("console:case", kwargs={"number": number}))


@staff_required
def my_visits(request: HttpRequest) -> HttpResponse:
    """The engineer's visits, on a phone: what is next, where, and the buttons."""
    visits = list(selectors.visits_for_engineer(user=request.user, now=clock.now()))  # type: ignore[arg-type]
    return render(request, "dispatch/my_visits.html", {"visits": visits, "nav": "field"})


def _visit(request: HttpRequest, pk: int) -> Visit:
    visit = (
        Visit.objects.filter(pk=pk, case__in=case_list_visible_to(user=request.user))  # type: ignore[arg-type]
        .select_related("case__customer", "case__site", "case__asset__product", "engineer")
        .prefetch_related("parts")
        .first()
    )
    if visit is None:
        raise Http404
    return visit


@staff_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    context = {
        "visit": visit,
        "case": visit.case,
        "depart_form": DepartForm(prefix="depart"),
        "cancel_form": CancelForm(prefix="cancel"),
        "nav": "field",
    }
    return render(request, "dispatch/visit.html", context)


@require_POST
@staff_required
def visit_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    visit = _visit(request, pk)
    by = request.user
    try:
        if step == "travel":
            services.visit_start_travel(visit=visit, by=by)  # type: ignore[arg-type]
        elif step == "arrive":
            services.visit_arrive(visit=visit, by=by)  # type: ignore[arg-type]
        elif step == "depart":
            form = DepartForm(request.POST, prefix="depart")
            if not form.is_valid():
                _form_errors(request, form)
                return redirect(reverse("dispatch:visit", kwargs={"pk": pk}))
            data = form.cleaned_data
            services.visit_depart(
                visit=visit,
                by=by,  # type: ignore[arg-type]
                work_performed=data["work_performed"],
                parts=[
                    {
                        "part": data["part"],
                        "serial_out": data["serial_out"],
                        "serial_in": data["serial_in"],
                    }
                ],
            )
        elif step == "cancel":
            form = CancelForm(request.POST, prefix="cancel")
            services.visit_cancel(
                visit=visit,
                by=by,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"] if form.is_valid() else "",
            )
        else:
            raise Http404
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect(reverse("dispatch:visit", kwargs={"pk": pk}))


@staff_required
def oncall(request: HttpRequest) -> HttpResponse:
    """Who is on call now, per region, and the shifts of the coming week."""
    from aftersales.customers.models import Region

    now = clock.now()
    regions = list(Region.objects.order_by("code"))
    current = list(selectors.on_call_at(at=now))
    by_region = [
        (region, [s for s in current if s.region_id in (None, region.pk)]) for region in regions
    ]
    context = {
        "nav": "oncall",
        "now": now,
        "by_region": by_region,
        "upcoming": list(selectors.upcoming_shifts(start=now, days=7)),
    }
    return render(request, "dispatch/oncall.html", context)
