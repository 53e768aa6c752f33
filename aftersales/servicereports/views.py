"""Service-report pages: the phone form after a visit, the customer's signature pad, the
report with its PDF and addenda (staff), and the PDF download (staff and the customer)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.cases.selectors import case_list_visible_to
from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.dispatch.models import Visit
from aftersales.servicereports import selectors, services
from aftersales.servicereports.forms import AddendumForm, PartFormSet, ReportForm, SignForm
from aftersales.servicereports.models import ServiceReport
from aftersales.servicereports.pdf import pdf_response


def _report(request: HttpRequest, pk: int) -> ServiceReport:
    report = selectors.report_visible_to(user=request.user, pk=pk)  # type: ignore[arg-type]
    if report is None:
        raise Http404
    return report


def _detail(report: ServiceReport) -> HttpResponse:
    return redirect(reverse("servicereports:report", kwargs={"pk": report.pk}))


def _parts(formset: Any) -> list[dict[str, str]]:
    return [
        {k: (form.cleaned_data.get(k) or "") for k in ("part", "serial_out", "serial_in")}
        for form in formset.forms
        if form.cleaned_data
    ]


def _show_errors(request: HttpRequest, exc: DomainError) -> None:
    report_domain_error(request, exc)


def _edit_page(
    request: HttpRequest,
    *,
    case: Any,
    visit: Visit | None,
    report: ServiceReport | None,
    initial: dict[str, Any],
) -> HttpResponse:
    """The phone form of a draft: create (``report`` None) or edit."""
    if request.method == "POST":
        form = ReportForm(request.POST, prefix="report")
        formset = PartFormSet(request.POST, prefix="parts")
        if form.is_valid() and formset.is_valid():
            fields = {**form.cleaned_data, "parts": _parts(formset)}
            try:
                if report is None:
                    report = services.report_create(
                        case=case,
                        visit=visit,
                        by=request.user,  # type: ignore[arg-type]
                        **fields,
                    )
                else:
                    report = services.report_update(
                        report=report,
                        by=request.user,  # type: ignore[arg-type]
                        **fields,
                    )
            except DomainError as exc:
                _show_errors(request, exc)
            else:
                messages.success(request, _("Draft saved. Ask the customer to sign."))
                return redirect(reverse("servicereports:sign", kwargs={"pk": report.pk}))
    else:
        form = ReportForm(
            prefix="report", initial={k: v for k, v in initial.items() if k != "parts"}
        )
        formset = PartFormSet(prefix="parts", initial=initial.get("parts") or [])
    context = {
        "case": case,
        "visit": visit,
        "report": report,
        "form": form,
        "formset": formset,
        "nav": "field",
    }
    return render(request, "servicereports/edit.html", context)


@staff_required
def new_for_visit(request: HttpRequest, visit_pk: int) -> HttpResponse:
    visit = (
        Visit.objects.filter(
            pk=visit_pk,
            case__in=case_list_visible_to(user=request.user),  # type: ignore[arg-type]
        )
        .select_related("case__customer")
        .prefetch_related("parts")
        .first()
    )
    if visit is None:
        raise Http404
    existing = ServiceReport.objects.filter(visit=visit).first()
    if existing is not None:
        return _detail(existing)
    initial = services.visit_prefill(visit, visit.case)
    return _edit_page(request, case=visit.case, visit=visit, report=None, initial=initial)


@staff_required
def new_for_case(request: HttpRequest, number: str) -> HttpResponse:
    case = case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    initial = services.visit_prefill(None, case)
    return _edit_page(request, case=case, visit=None, report=None, initial=initial)


@staff_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if report.is_signed:
        messages.error(request, _("This service report is signed; add an addendum instead."))
        return _detail(report)
    initial = {name: getattr(report, name) for name in services.EDITABLE_FIELDS}
    return _edit_page(request, case=report.case, visit=report.visit, report=report, initial=initial)


@staff_required
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer signs on the engineer's phone: name, optional e-mail, a drawn signature."""
    report = _report(request, pk)
    if report.is_signed:
        return _detail(report)
    if request.method == "POST":
        form = SignForm(request.POST, prefix="sign")
        if form.is_valid():
            try:
                services.report_sign(
                    report=report,
                    by=request.user,  # type: ignore[arg-type]
                    signer_name=form.cleaned_data["signer_name"],
                    signer_email=form.cleaned_data["signer_email"],
                    signature=form.cleaned_data["signature"],
                )
            except DomainError as exc:
                _show_errors(request, exc)
            else:
                if services.report_recipient(report):
                    messages.success(request, _("Signed. The PDF is e-mailed to the customer."))
                else:
                    messages.success(request, _("Signed."))
                return _detail(report)
    else:
        contact = report.case.contact
        form = SignForm(prefix="sign", initial={"signer_name": contact.name if contact else ""})
    return render(
        request,
        "servicereports/sign.html",
        {"report": report, "case": report.case, "form": form, "nav": "field"},
    )


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    context = {
        "report": report,
        "case": report.case,
        "addenda": list(report.addenda.all()),
        "addendum_form": AddendumForm(prefix="addendum"),
        "nav": "field",
    }
    return render(request, "servicereports/detail.html", context)


@require_POST
@staff_required
def add_addendum(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    form = AddendumForm(request.POST, prefix="addendum")
    if form.is_valid():
        try:
            services.addendum_add(
                report=report,
                by=request.user,  # type: ignore[arg-type]
                text=form.cleaned_data["text"],
            )
        except DomainError as exc:
            _show_errors(request, exc)
        else:
            messages.success(request, _("Addendum added; the PDF now includes it."))
    else:
        messages.error(request, _("Write the addendum first."))
    return _detail(report)


@login_required
def pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF: staff, and the customer's contacts (signed reports of their organisation)."""
    return pdf_response(_report(request, pk))


@staff_required
def signature(request: HttpRequest, pk: int) -> FileResponse:
    report = _report(request, pk)
    if not report.signature:
        raise Http404
    response = FileResponse(report.signature.open("rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    return response
