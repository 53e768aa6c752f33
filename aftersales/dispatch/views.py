"""Field-service pages: dispatch from the case page, and the engineers' phone pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
from aftersales.core.pages import report_domain_error, report_form_errors
from aftersales.dispatch import selectors, services
from aftersales.dispatch.forms import CancelForm, DepartForm, DispatchForm
from aftersales.dispatch.models import EngineerProfile, Visit


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
        report_form_errors(request, form)
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
                report_form_errors(request, form)
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


def _case_for(request: HttpRequest, number: str) -> Any:
    case = case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    return case


def _back(number: str) -> HttpResponse:
    return redirect(reverse("console:case", kwargs={"number": number}))


@require_POST
@staff_required
def checklist_tick(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = _case_for(request, number)
    item = selectors.case_checklist(case=case).filter(pk=pk).first()
    if item is None:
        raise Http404
    try:
        services.checklist_tick(item=item, by=request.user, done=request.POST.get("done") != "0")  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    return _back(number)


@require_POST
@staff_required
def acceptance(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    try:
        services.installation_accept(case=case, by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Final acceptance recorded."))
    return _back(number)


@require_POST
@staff_required
def loan_issue(request: HttpRequest, number: str) -> HttpResponse:
    from django.utils.dateparse import parse_date

    from aftersales.dispatch.models import BackupUnit

    case = _case_for(request, number)
    unit = BackupUnit.objects.filter(serial_number=request.POST.get("unit", "")).first()
    try:
        due = parse_date(request.POST.get("due_back", "") or "")
    except ValueError:
        due = None
    if unit is None or due is None:
        messages.error(request, _("Choose a backup unit and the day it is due back."))
        return _back(number)
    try:
        services.loan_issue(case=case, unit=unit, by=request.user, due_back=due)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Backup unit lent."))
    return _back(number)


@require_POST
@staff_required
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    from aftersales.dispatch.models import Loan

    loan = (
        Loan.objects.filter(
            pk=pk,
            case__in=case_list_visible_to(user=request.user),  # type: ignore[arg-type]
        )
        .select_related("case")
        .first()
    )
    if loan is None:
        raise Http404
    try:
        services.loan_return(
            loan=loan, by=request.user, condition=request.POST.get("condition", "")
        )  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    return _back(loan.case.number)


@require_POST
@login_required
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's feedback on a finished visit, from the portal case page."""
    visit = _visit_any(request, pk)
    score_text = request.POST.get("score", "")
    score = int(score_text) if score_text.isdigit() else None
    try:
        services.visit_feedback(
            visit=visit, by=request.user, text=request.POST.get("text", ""), score=score
        )  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Thank you for your feedback."))
    name = "portal:case" if getattr(request.user, "is_customer_contact", False) else "console:case"
    return redirect(reverse(name, kwargs={"number": visit.case.number}))


def _visit_any(request: HttpRequest, pk: int) -> Visit:
    visit = (
        Visit.objects.filter(pk=pk, case__in=case_list_visible_to(user=request.user))  # type: ignore[arg-type]
        .select_related("case")
        .first()
    )
    if visit is None:
        raise Http404
    return visit


@staff_required
def loans(request: HttpRequest) -> HttpResponse:
    """Backup units out with customers, overdue ones first, and the units in the pool."""
    from aftersales.dispatch.models import Loan

    today = clock.today()
    out = list(
        Loan.objects.filter(returned_at__isnull=True)
        .select_related("unit__product", "case__customer")
        .order_by("due_back", "id")
    )
    context = {
        "nav": "loans",
        "today": today,
        "out": [(loan, loan.due_back < today) for loan in out],
        "available": list(selectors.units_available()),
    }
    return render(request, "dispatch/loans.html", context)


@staff_required
def engineer(request: HttpRequest, username: str) -> HttpResponse:
    """An engineer's profile: skills, regions, certifications, training, absences, visits."""
    from aftersales.accounts.choices import UserRole
    from aftersales.training.selectors import trainings_of

    user = User.objects.filter(username=username, role=UserRole.ENGINEER).first()
    if user is None:
        raise Http404
    profile = (
        EngineerProfile.objects.filter(user=user)
        .select_related("home_region", "calendar")
        .prefetch_related("regions_served", "certifications", "absences")
        .first()
    )
    context = {
        "engineer": user,
        "profile": profile,
        "trainings": list(trainings_of(user=user)),
        "visits": list(selectors.visits_for_engineer(user=user, now=clock.now())),
        "today": clock.today(),
        "nav": "field",
    }
    return render(request, "dispatch/engineer.html", context)
