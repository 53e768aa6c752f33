"""Form posts of the claim and quote panels (console and portal); each goes back to the case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.cases import selectors as case_selectors
from aftersales.cases.models import Case
from aftersales.console.views import staff_required
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error, report_form_errors
from aftersales.warranty import selectors, services
from aftersales.warranty.forms import ClaimDecisionForm, QuoteAnswerForm, QuoteForm, RemedyDoneForm


def _case(request: HttpRequest, number: str) -> Case:
    case = selectors.case_visible(user=request.user, number=number)
    if case is None:
        raise Http404
    return case


def _console_back(number: str) -> HttpResponse:
    return redirect(reverse("console:case", kwargs={"number": number}))


@require_POST
@staff_required
def claim_decide(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    attachments = list(case_selectors.case_attachments(case=case, user=request.user))  # type: ignore[arg-type]
    form = ClaimDecisionForm(request.POST, prefix="claim", attachments=attachments)
    if not form.is_valid():
        report_form_errors(request, form)
        return _console_back(number)
    try:
        assessment = services.claim_decide(case=case, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("Claim decided: %(decision)s.") % {"decision": assessment.get_decision_display()},
        )
    return _console_back(number)


@require_POST
@staff_required
def remedy_done(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = RemedyDoneForm(request.POST, prefix="remedy")
    if form.is_valid():
        try:
            services.claim_remedy_done(case=case, by=request.user, note=form.cleaned_data["note"])  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Remedy recorded as carried out."))
    else:
        report_form_errors(request, form)
    return _console_back(number)


@require_POST
@staff_required
def quote_create(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = QuoteForm(request.POST, prefix="quote")
    if form.is_valid():
        try:
            quote = services.quote_create(
                case=case,
                by=request.user,  # type: ignore[arg-type]
                lines=form.lines(),
                note=form.cleaned_data["note"],
                valid_days=form.cleaned_data["valid_days"],
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(
                request,
                _("Quote %(number)s sent: %(total)s yuan.")
                % {"number": quote.number, "total": f"{quote.total:.2f}"},
            )
    else:
        report_form_errors(request, form)
    return _console_back(number)


@require_POST
@login_required
def quote_answer(request: HttpRequest, number: str, answer: str) -> HttpResponse:
    """The customer (portal) or staff (console) accepts or declines a quote."""
    quote = selectors.quote_visible(user=request.user, number=number)
    if quote is None or answer not in ("accept", "decline"):
        raise Http404
    form = QuoteAnswerForm(request.POST, prefix="answer")
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.quote_decide(
            quote=quote,
            by=request.user,  # type: ignore[arg-type]
            accept=answer == "accept",
            note=note,
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        text = (
            _("Thank you: quote %(number)s accepted.")
            if answer == "accept"
            else _("Quote %(number)s declined.")
        )
        messages.success(request, text % {"number": quote.number})
    name = "portal:case" if getattr(request.user, "is_customer_contact", False) else "console:case"
    return redirect(reverse(name, kwargs={"number": quote.case.number}))
