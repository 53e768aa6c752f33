"""Pages of returns: the customer's request form (portal), the steps posted from the console's
case panel, and the case-page panels (registered in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.cases import selectors as case_selectors
from aftersales.cases.choices import CaseType
from aftersales.catalog.selectors import asset_list_visible_to
from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error, report_form_errors
from aftersales.portal.views import contact_required
from aftersales.returns import selectors, services
from aftersales.returns.choices import ReturnStep
from aftersales.returns.forms import (
    ApproveForm,
    ExchangeForm,
    InspectForm,
    OverrideForm,
    ReceiveForm,
    RefundForm,
    RejectForm,
    ReturnDetailsForm,
    ReturnRequestForm,
)

# The forms of each step and the service that takes it; "override" is not a step of its own.
STEPS: dict[str, tuple[type, Any]] = {
    "override": (OverrideForm, services.return_override),
    ReturnStep.APPROVED: (ApproveForm, services.return_approve),
    ReturnStep.REJECTED: (RejectForm, services.return_reject),
    ReturnStep.RECEIVED: (ReceiveForm, services.return_receive),
    ReturnStep.INSPECTED: (InspectForm, services.return_inspect),
    ReturnStep.REFUNDED: (RefundForm, services.return_refund),
    ReturnStep.EXCHANGED: (ExchangeForm, services.return_exchange),
}


@contact_required
def request_new(request: HttpRequest) -> HttpResponse:
    """Request a return or exchange of a unit or an order line (customer contacts)."""
    assets = asset_list_visible_to(user=request.user).order_by("serial_number")
    if request.method == "POST":
        form = ReturnRequestForm(request.POST, request.FILES, assets=assets)
        if form.is_valid():
            data = dict(form.cleaned_data)
            uploads = data.pop("files")
            if data["asset"] is not None:
                data.update(order_reference="", product=None, quantity=1, delivered_on=None)
            data["quantity"] = data["quantity"] or 1
            try:
                rr = services.return_request_create(
                    by=request.user,  # type: ignore[arg-type]
                    customer=request.user.customer,  # type: ignore[union-attr]
                    uploads=uploads,
                    **data,
                )
            except DomainError as exc:
                report_domain_error(request, exc)
            else:
                messages.success(
                    request,
                    _("Request %(number)s received. %(decision)s")
                    % {"number": rr.case.number, "decision": rr.eligibility_explanation},
                )
                return redirect("portal:case", number=rr.case.number)
    else:
        form = ReturnRequestForm(assets=assets, initial={"asset": request.GET.get("asset")})
    context = {
        "form": form,
        "nav": "returns",
        "return_days": settings.RETURNS_RETURN_DAYS,
        "exchange_days": settings.RETURNS_EXCHANGE_DAYS,
    }
    return render(request, "returns/request_new.html", context)


@require_POST
@staff_required
def step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    """Take one step of the return on case ``number`` from the console panel."""
    if step not in STEPS:
        raise Http404
    rr = selectors.return_list_visible_to(user=request.user).filter(case__number=number).first()
    if rr is None:
        raise Http404
    form_class, service = STEPS[step]
    form = form_class(request.POST, prefix=f"return-{step}")
    if form.is_valid():
        try:
            service(rr=rr, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Return updated."))
    else:
        report_form_errors(request, form)
    return redirect("console:case", number=number)


@require_POST
@staff_required
def details(request: HttpRequest, number: str) -> HttpResponse:
    """Record the return details of a return case opened without them (console panel)."""
    case = case_selectors.case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    form = ReturnDetailsForm(request.POST, prefix="return-details")
    if form.is_valid():
        try:
            services.return_request_attach(case=case, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Return updated."))
    else:
        report_form_errors(request, form)
    return redirect("console:case", number=number)


def console_panel(request: HttpRequest, case: Any) -> str | None:
    """Render the return panel of the console case page (None for other case types)."""
    if case.case_type != CaseType.RETURN_EXCHANGE:
        return None
    rr = selectors.return_for_case(case)
    user = request.user
    if rr is None:
        if not services.can_complete(user):
            return None
        return render_to_string(
            "returns/console_details.html",
            {"case": case, "form": ReturnDetailsForm(prefix="return-details")},
            request=request,
        )
    forms = [
        (name, STEPS[name][0](prefix=f"return-{name}"))
        for name in (
            ReturnStep.APPROVED,
            ReturnStep.REJECTED,
            ReturnStep.RECEIVED,
            ReturnStep.INSPECTED,
            ReturnStep.REFUNDED,
            ReturnStep.EXCHANGED,
        )
        if services.can_step(user, rr, name)
    ]
    override = (
        OverrideForm(prefix="return-override")
        if rr.step == ReturnStep.REQUESTED and services.can_decide(user)
        else None
    )
    return render_to_string(
        "returns/console_panel.html",
        {
            "case": case,
            "rr": rr,
            "forms": forms,
            "override_form": override,
            "progress": _progress(rr),
        },
        request=request,
    )


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    """Render the return panel of the portal case page (None for other case types)."""
    if case.case_type != CaseType.RETURN_EXCHANGE:
        return None
    rr = selectors.return_for_case(case)
    if rr is None:
        return None
    return render_to_string(
        "returns/portal_panel.html", {"rr": rr, "progress": _progress(rr)}, request=request
    )


def _progress(rr: Any) -> list[tuple[str, bool, bool]]:
    """Return the path of ``rr`` as (label, done, current) rows for the progress list."""
    path = [ReturnStep.REQUESTED]
    if rr.step == ReturnStep.REJECTED and rr.received_on is None:
        if rr.rma_number:
            path.append(ReturnStep.APPROVED)
        path.append(ReturnStep.REJECTED)
    else:
        path += [ReturnStep.APPROVED, ReturnStep.RECEIVED, ReturnStep.INSPECTED]
        if rr.step == ReturnStep.REJECTED:
            path.append(ReturnStep.REJECTED)
        elif rr.step == ReturnStep.REFUNDED or (
            rr.step not in (ReturnStep.EXCHANGED,) and rr.kind == "return"
        ):
            path.append(ReturnStep.REFUNDED)
        else:
            path.append(ReturnStep.EXCHANGED)
    current = path.index(rr.step) if rr.step in path else 0
    return [(str(s.label), i <= current, i == current) for i, s in enumerate(path)]
