"""The customer portal: a customer's contacts see and follow their organisation's cases only.

No models here; every read starts from a visibility-scoped selector, so another organisation's
case, asset or file answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.cases import selectors as case_selectors
from aftersales.cases import services as case_services
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus
from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN
from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.selectors import asset_list_visible_to, contract_list_visible_to
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.portal.forms import RatingForm, ReasonForm, ReplyForm, RequestForm
from aftersales.portal.selectors import home_case_rows
from aftersales.surveys.models import Rating
from aftersales.surveys.services import case_rate


def contact_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let customer contacts in; send staff to their console."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_customer_contact", False):
            return redirect("console:home")
        return view(request, *args, **kwargs)

    return wrapper


@contact_required
def home(request: HttpRequest) -> HttpResponse:
    """The organisation's cases, open ones first, newest first."""
    rows = home_case_rows(user=request.user)
    return render(request, "portal/home.html", {"rows": rows, "nav": "cases"})


@contact_required
def request_new(request: HttpRequest) -> HttpResponse:
    """Submit a request; C-1 needs a confirmation of what it means."""
    assets = asset_list_visible_to(user=request.user).order_by("serial_number")
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, assets=assets)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = case_services.case_create(
                    by=request.user,  # type: ignore[arg-type]
                    customer=request.user.customer,  # type: ignore[union-attr]
                    asset=data["asset"],
                    case_type=data["case_type"],
                    channel=CaseChannel.WEB,
                    severity=data["severity"],
                    summary=data["summary"],
                    description=data["description"],
                )
                for upload in data["files"]:
                    case_services.attachment_add(case=case, by=request.user, upload=upload)  # type: ignore[arg-type]
            except DomainError as exc:
                report_domain_error(request, exc)
            else:
                response = next((c for c in case.live_sla_clocks if c.target == "response"), None)
                if response is not None:
                    messages.success(
                        request,
                        _("Request %(number)s received. We will respond by: %(due)s")
                        % {
                            "number": case.number,
                            "due": date_format(
                                timezone.localtime(response.due_at), "DATETIME_FORMAT"
                            ),
                        },
                    )
                else:
                    messages.success(
                        request, _("Request %(number)s received.") % {"number": case.number}
                    )
                return redirect("portal:case", number=case.number)
    else:
        form = RequestForm(assets=assets, initial={"asset": request.GET.get("asset")})
    return render(
        request, "portal/request_new.html", {"form": form, "nav": "new", "C1": CaseSeverity.C1}
    )


def _case(request: HttpRequest, number: str) -> Case:
    case = case_selectors.case_list_for_api(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    return case


@contact_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A case as the customer sees it: status, promised times, the public timeline."""
    case = _case(request, number)
    events = list(case_selectors.case_timeline(case=case, user=request.user).order_by("-at", "-id"))  # type: ignore[arg-type]
    files = {a.pk: a for a in case_selectors.case_attachments(case=case, user=request.user)}  # type: ignore[arg-type]
    rating = Rating.objects.filter(case=case).first()
    context = {
        "case": case,
        "events": events,
        "files": files,
        "clocks": [
            c for c in case.live_sla_clocks if c.target in ("response", "onsite", "restore")
        ],
        "rating": rating,
        "can_confirm": case.status == CaseStatus.RESOLVED,
        "can_reopen": case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED),
        "can_escalate": case.severity == CaseSeverity.C1 and case.status in OPEN,
        "can_rate": case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and rating is None,
        "reply_form": ReplyForm(),
        "reason_form": ReasonForm(),
        "rating_form": RatingForm(),
        "nav": "cases",
    }
    return render(request, "portal/case_detail.html", context)


def _back(number: str) -> HttpResponse:
    return redirect("portal:case", number=number)


@require_POST
@contact_required
def case_reply(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            comment = case_services.case_comment(
                case=case, by=request.user, body=form.cleaned_data["body"]
            )  # type: ignore[arg-type]
            for upload in form.cleaned_data["files"]:
                case_services.attachment_add(
                    case=case, by=request.user, upload=upload, comment=comment
                )  # type: ignore[arg-type]
            if case.status == CaseStatus.WAITING_CUSTOMER:
                case_services.case_transition(case=case, to=CaseStatus.IN_PROGRESS, by=request.user)  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Your reply was sent."))
    else:
        messages.error(request, _("Write your reply first."))
    return _back(number)


@require_POST
@contact_required
def case_confirm(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    try:
        case_services.case_transition(case=case, to=CaseStatus.CLOSED, by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Thank you for confirming. The case is closed."))
    return _back(number)


@require_POST
@contact_required
def case_reopen(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell us why the problem is not solved."))
        return _back(number)
    try:
        case_services.case_transition(
            case=case,
            to=CaseStatus.IN_PROGRESS,
            by=request.user,
            note=form.cleaned_data["reason"],  # type: ignore[arg-type]
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("The case is open again; we are on it."))
    return _back(number)


@require_POST
@contact_required
def case_escalate(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the escalation."))
        return _back(number)
    try:
        case_services.case_escalate(case=case, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Escalated to the regional service supervisor."))
    return _back(number)


@require_POST
@contact_required
def case_rating(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a score from 1 to 5."))
        return _back(number)
    try:
        case_rate(
            case=case,
            by=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Thank you for your rating."))
    return _back(number)


@contact_required
def assets(request: HttpRequest) -> HttpResponse:
    """The organisation's units with their warranty and service level, and its contracts."""
    today = clock.today()
    units = (
        asset_list_visible_to(user=request.user)
        .prefetch_related("warranty_extensions")
        .order_by("serial_number")
    )
    return render(
        request,
        "portal/assets.html",
        {
            "assets": [(a, entitlement_at(a, today)) for a in units],
            "contracts": contract_list_visible_to(user=request.user).order_by("end_date"),
            "nav": "assets",
        },
    )
