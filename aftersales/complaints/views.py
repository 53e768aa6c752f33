"""Pages of complaints: the customer's complaint form (portal), the steps posted from the
console's case panel, and the case-page panels (registered in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.cases import selectors as case_selectors
from aftersales.cases.choices import CaseChannel, CaseType
from aftersales.cases.services import attachment_add
from aftersales.catalog.selectors import asset_list_visible_to
from aftersales.complaints import selectors, services
from aftersales.complaints.choices import CompensationState, ComplaintOutcome
from aftersales.complaints.forms import (
    AnswerForm,
    CompensationDecisionForm,
    CompensationForm,
    ComplaintForm,
    ConcludeForm,
    InvestigateForm,
    SubjectForm,
)
from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error, report_form_errors
from aftersales.portal.views import contact_required
from aftersales.sla.selectors import case_clocks_with_history, clock_remaining_seconds

STEPS: dict[str, tuple[type, Any]] = {
    "subject": (SubjectForm, services.complaint_subject_set),
    "investigate": (InvestigateForm, services.complaint_investigate),
    "conclude": (ConcludeForm, services.complaint_conclude),
    "compensation": (CompensationForm, services.complaint_compensation_request),
    "compensation-decision": (CompensationDecisionForm, services.complaint_compensation_decide),
    "answer": (AnswerForm, services.complaint_answer),
}


@contact_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    """File a complaint (customer contacts)."""
    assets = asset_list_visible_to(user=request.user).order_by("serial_number")
    if request.method == "POST":
        form = ComplaintForm(request.POST, request.FILES, assets=assets)
        if form.is_valid():
            data = dict(form.cleaned_data)
            uploads = data.pop("files")
            try:
                complaint = services.complaint_create(
                    by=request.user,  # type: ignore[arg-type]
                    customer=request.user.customer,  # type: ignore[union-attr]
                    channel=CaseChannel.WEB,
                    **data,
                )
                for upload in uploads:
                    attachment_add(case=complaint.case, by=request.user, upload=upload)  # type: ignore[arg-type]
            except DomainError as exc:
                report_domain_error(request, exc)
            else:
                due = _deadline(complaint.case)
                messages.success(
                    request,
                    _("Complaint %(number)s received.") % {"number": complaint.case.number},
                )
                if due is not None and due.due_at:
                    messages.info(
                        request,
                        _("We will answer by %(due)s.")
                        % {"due": date_format(timezone.localtime(due.due_at), "DATETIME_FORMAT")},
                    )
                return redirect("portal:case", number=complaint.case.number)
    else:
        form = ComplaintForm(assets=assets)
    return render(request, "complaints/complaint_new.html", {"form": form, "nav": "complaints"})


@require_POST
@staff_required
def step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    """Take one step of the complaint on case ``number`` from the console panel."""
    if step not in STEPS:
        raise Http404
    complaint = (
        selectors.complaint_list_visible_to(user=request.user).filter(case__number=number).first()
    )
    if complaint is None:
        raise Http404
    form_class, service = STEPS[step]
    form = form_class(request.POST, prefix=f"complaint-{step}")
    if form.is_valid():
        data = dict(form.cleaned_data)
        if step == "investigate":
            data = {k: v for k, v in data.items() if v}
        try:
            service(complaint=complaint, by=request.user, **data)
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Complaint updated."))
    else:
        report_form_errors(request, form)
    return redirect("console:case", number=number)


@require_POST
@staff_required
def details(request: HttpRequest, number: str) -> HttpResponse:
    """Record the complaint details of a complaint case opened without them (console panel)."""
    case = case_selectors.case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    form = SubjectForm(request.POST, prefix="complaint-details")
    if form.is_valid():
        try:
            services.complaint_attach(case=case, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Complaint updated."))
    else:
        report_form_errors(request, form)
    return redirect("console:case", number=number)


def _deadline(case: Any) -> Any:
    """Return the case's resolution clock (the complaint policy's ``restore`` target), if any."""
    clocks = getattr(case, "live_sla_clocks", None)
    if clocks is None:
        clocks = case_clocks_with_history(case).filter(cancelled_at__isnull=True)
    return next((c for c in clocks if c.target == "restore"), None)


def console_panel(request: HttpRequest, case: Any) -> str | None:
    """Render the complaint panel of the console case page (None for other case types)."""
    if case.case_type != CaseType.COMPLAINT:
        return None
    complaint = selectors.complaint_for_case(case)
    user = request.user
    if complaint is None:
        if not services.can_work(user):
            return None
        return render_to_string(
            "complaints/console_details.html",
            {"case": case, "form": SubjectForm(prefix="complaint-details")},
            request=request,
        )
    open_ = complaint.answered_at is None
    pending = complaint.outcome == ComplaintOutcome.PENDING
    forms: list[tuple[str, str, Any]] = []
    if open_ and services.can_work(user):
        if pending:
            forms.append(
                (
                    "subject",
                    _("Save the subject"),
                    SubjectForm(
                        prefix="complaint-subject",
                        initial={
                            "subject_kind": complaint.subject_kind,
                            "product": complaint.product.code if complaint.product_id else None,
                            "person": complaint.person.username if complaint.person_id else None,
                        },
                    ),
                )
            )
        forms.append(
            (
                "investigate",
                _("Save the investigation"),
                InvestigateForm(
                    prefix="complaint-investigate",
                    initial={
                        "notes": complaint.investigation_notes,
                        "root_cause": complaint.root_cause,
                    },
                ),
            )
        )
    if open_ and services.can_decide(user):
        forms.append(
            (
                "conclude",
                _("Decide the outcome"),
                ConcludeForm(
                    prefix="complaint-conclude", initial={"root_cause": complaint.root_cause}
                ),
            )
        )
    if (
        open_
        and services.can_work(user)
        and complaint.is_company_at_fault
        and complaint.compensation_state in (CompensationState.NONE, CompensationState.REJECTED)
    ):
        forms.append(
            (
                "compensation",
                _("Propose compensation"),
                CompensationForm(prefix="complaint-compensation"),
            )
        )
    if complaint.compensation_state == CompensationState.REQUESTED and services.can_decide(user):
        forms.append(
            (
                "compensation-decision",
                _("Decide the compensation"),
                CompensationDecisionForm(prefix="complaint-compensation-decision"),
            )
        )
    if (
        open_
        and not pending
        and complaint.compensation_state != CompensationState.REQUESTED
        and services.can_work(user)
    ):
        forms.append(("answer", _("Answer and resolve"), AnswerForm(prefix="complaint-answer")))
    deadline = _deadline(case)
    return render_to_string(
        "complaints/console_panel.html",
        {
            "case": case,
            "complaint": complaint,
            "forms": forms,
            "deadline": deadline,
            "remaining": clock_remaining_seconds(deadline) if deadline else None,
        },
        request=request,
    )


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    """Render the complaint panel of the portal case page (None for other case types)."""
    if case.case_type != CaseType.COMPLAINT:
        return None
    complaint = selectors.complaint_for_case(case)
    if complaint is None:
        return None
    return render_to_string(
        "complaints/portal_panel.html",
        {"complaint": complaint, "deadline": _deadline(case)},
        request=request,
    )
