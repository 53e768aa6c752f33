"""The agent console: pages staff work in all day. Views are thin: forms check shapes,
services change state, selectors read."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import selectors as case_selectors
from aftersales.cases import services as case_services
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseSlaState, CaseStatus, CaseType
from aftersales.cases.filters import CaseFilterSet
from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN, allowed_from
from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.selectors import asset_extensions, asset_list_visible_to
from aftersales.console.forms import (
    AttachForm,
    CaseNewForm,
    EscalateForm,
    ExtensionForm,
    ReplyForm,
    TransitionForm,
    UpdateForm,
)
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.customers.models import Contact
from aftersales.customers.selectors import customer_list_visible_to
from aftersales.dispatch.models import Visit
from aftersales.sla.selectors import (
    case_escalations,
    case_sla_summary,
    clock_remaining_seconds,
    live_clocks_prefetch,
)
from aftersales.surveys.models import Rating
from aftersales.surveys.selectors import monthly_satisfaction

QUEUES = ("mine", "team", "all")


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let service staff in; send customer contacts to their portal."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if getattr(user, "is_customer_contact", False):
            return redirect("portal:home")
        if not getattr(user, "is_service_staff", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: my cases, my team's, what is breaching or due within the hour, counts."""
    now = clock.now()
    board = case_selectors.case_dashboard(user=request.user, now=now)  # type: ignore[arg-type]
    by_status = board["by_status"]
    by_severity = board["by_severity"]
    intake = board["intake"]
    context = {
        "board": board,
        "cases_url": reverse("console:cases"),
        "status_rows": [
            (s, str(s.label), by_status.get(s.value, 0))  # type: ignore[union-attr]
            for s in CaseStatus
            if s in OPEN
        ],
        "severity_rows": [(s, str(s.label), by_severity.get(s.value, 0)) for s in CaseSeverity],  # type: ignore[union-attr]
        "intake_rows": [(c, str(c.label), intake.get(c.value, 0)) for c in CaseChannel],  # type: ignore[union-attr]
        "intake_total": sum(intake.values()),  # type: ignore[union-attr]
        "open_total": sum(by_status.values()),  # type: ignore[union-attr]
    }
    context["status_max"] = max([n for _s, _l, n in context["status_rows"]] or [1]) or 1
    context["intake_max"] = max([n for _c, _l, n in context["intake_rows"]] or [1]) or 1
    context["nav"] = "home"
    return render(request, "console/dashboard.html", context)


def _page_size(raw: str | None) -> int:
    """Return the rows per page asked for with ``?size=``, when it is one we offer."""
    try:
        size = int(raw or "")
    except ValueError:
        return case_selectors.QUEUE_PAGE_SIZE
    return size if size in case_selectors.QUEUE_PAGE_SIZES else case_selectors.QUEUE_PAGE_SIZE


def _labels(choices: Any) -> dict[str, str]:
    """Return ``value -> label`` of a choices enum, translated into the active language."""
    return {value: str(label) for value, label in choices.choices}


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    """A queue of cases, nearest due first, filtered and searched; keyset pages, no COUNT."""
    queue = request.GET.get("queue", "all")
    if queue not in QUEUES:
        queue = "all"
    data = request.GET.copy()
    if not data.getlist("status") and "is_open" not in data:
        data["is_open"] = "true"
    filterset = CaseFilterSet(
        data=data,
        queryset=case_selectors.case_queue(user=request.user, queue=queue),  # type: ignore[arg-type]
    )
    size = _page_size(request.GET.get("size"))
    if filterset.is_valid():
        rows, next_token = case_selectors.keyset_page(
            filterset.qs, after=request.GET.get("after"), size=size
        )
    else:
        rows, next_token = [], None
    status_labels = _labels(CaseStatus)
    for case in rows:
        case.status_label = status_labels.get(case.status, case.status)  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "nav": queue,
        "queue": queue,
        "filterset": filterset,
        "rows": rows,
        "next_token": next_token,
        "base_query": params.urlencode(),
        "page_size": size,
        "page_sizes": case_selectors.QUEUE_PAGE_SIZES,
        # Labels translated once here, not once per option and row in the template.
        "statuses": list(status_labels.items()),
        "severities": list(_labels(CaseSeverity).items()),
        "types": list(_labels(CaseType).items()),
        "channels": list(_labels(CaseChannel).items()),
        "sla_states": list(_labels(CaseSlaState).items()),
        "selected": {
            k: data.getlist(k) for k in ("status", "severity", "case_type", "channel", "sla_state")
        },
    }
    template = "console/_case_rows.html" if request.htmx else "console/case_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_required
def lookup(request: HttpRequest) -> HttpResponse:
    """Find a caller by phone number, or a unit by serial number (for a new case)."""
    query = request.GET.get("q", "").strip()
    contacts, assets = [], []
    if len(query) >= 3:
        contacts = list(
            Contact.objects.select_related("customer")
            .filter(Q(phone__contains=query) | Q(mobile__contains=query))
            .order_by("customer__code", "name")[:10]
        )
        assets = list(
            asset_list_visible_to(user=request.user).filter(serial_number__icontains=query)[:10]
        )
    return render(
        request, "console/_lookup.html", {"q": query, "contacts": contacts, "assets": assets}
    )


@staff_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Register a case from a call, fax, letter, visit or e-mail, with an optional scan."""
    initial: dict[str, Any] = {"reported_at": None}
    asset = contact = None
    if request.method == "GET":
        serial = request.GET.get("asset")
        if serial:
            asset = asset_list_visible_to(user=request.user).filter(serial_number=serial).first()
        contact_id = request.GET.get("contact", "")
        if contact_id.isdigit():
            contact = Contact.objects.select_related("customer").filter(pk=int(contact_id)).first()
        customer = (asset.customer if asset else None) or (contact.customer if contact else None)
        code = customer.code if customer else request.GET.get("customer")
        initial.update(
            customer=code,
            asset=asset.serial_number if asset else None,
            contact=contact.pk if contact else None,
            site=asset.site_id if asset else None,
        )
        form = CaseNewForm(initial=initial)
    else:
        form = CaseNewForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("attachment")
            try:
                case = case_services.case_create(by=request.user, **data)  # type: ignore[arg-type]
                if upload:
                    case_services.attachment_add(case=case, by=request.user, upload=upload)  # type: ignore[arg-type]
            except DomainError as exc:
                report_domain_error(request, exc)
            else:
                due = ", ".join(
                    f"{c.get_target_display()} {c.due_at:%Y-%m-%d %H:%M}"
                    for c in case.live_sla_clocks
                )
                messages.success(
                    request,
                    _("Case %(number)s registered. Due: %(due)s")
                    % {"number": case.number, "due": due or "—"},
                )
                return redirect("console:case", number=case.number)
        asset_code = form.data.get("asset")
        if asset_code:
            asset = (
                asset_list_visible_to(user=request.user).filter(serial_number=asset_code).first()
            )
    entitlement = entitlement_at(asset, clock.today()) if asset else None
    return render(
        request, "console/case_new.html", {"form": form, "asset": asset, "entitlement": entitlement}
    )


def _case_for(request: HttpRequest, number: str) -> Case:
    case = (
        case_selectors.case_list_for_api(user=request.user)  # type: ignore[arg-type]
        .select_related("contact", "site", "team", "assignee", "asset__product", "contract")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _case_page_for(request: HttpRequest, number: str) -> Case:
    """Return the case the page shows with every reference it shows, in two queries (the case
    with its references joined, its live clocks): none of the list's natural-key subqueries,
    which the page does not read."""
    case = (
        case_selectors.case_list_visible_to(user=request.user)  # type: ignore[arg-type]
        .select_related(
            "customer",
            "asset__product",
            "sla_policy",
            "contact",
            "site",
            "team",
            "assignee",
            "contract",
        )
        .prefetch_related(live_clocks_prefetch())
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    return case


@staff_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The case page: header with clocks and entitlement, actions, the timeline newest first."""
    case = _case_page_for(request, number)
    user = request.user
    events = list(case_selectors.case_timeline(case=case, user=user).order_by("-at", "-id"))  # type: ignore[arg-type]
    files = {a.pk: a for a in case_selectors.case_attachments(case=case, user=user)}  # type: ignore[arg-type]
    clocks = [(c, clock_remaining_seconds(c)) for c in case.live_sla_clocks]
    transitions = [
        (status, CaseStatus(status).label)
        for status in sorted(allowed_from(case.status))
        if case_services.can_transition(case, status, user)  # type: ignore[arg-type]
    ]
    context = {
        "case": case,
        "events": events,
        "files": files,
        "clocks": clocks,
        "transitions": transitions,
        "entitlement": entitlement_at(case.asset, clock.today()) if case.asset_id else None,
        "escalations": list(case_escalations(case)),
        "rating": Rating.objects.filter(case=case).first(),
        "policy_explanation": (case_sla_summary(case) or {}).get("explanation", ""),
        "reply_form": ReplyForm(prefix="reply"),
        "update_form": UpdateForm(
            initial={
                "assignee": case.assignee.username if case.assignee_id else None,
                "team": case.team_id,
                "severity": case.severity,
                "cause": case.cause,
                "version": case.version,
            }
        ),
        "escalate_form": EscalateForm(prefix="escalate"),
        "attach_form": AttachForm(prefix="attach"),
    }
    return render(request, "console/case_detail.html", context)


def _back(number: str) -> HttpResponse:
    return redirect(reverse("console:case", kwargs={"number": number}))


@require_POST
@staff_required
def case_reply(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    form = ReplyForm(request.POST, request.FILES, prefix="reply")
    if not form.is_valid():
        messages.error(request, _("Write a reply or a note first."))
        return _back(number)
    try:
        comment = case_services.case_comment(
            case=case,
            by=request.user,
            body=form.cleaned_data["body"],
            public=form.cleaned_data["public"],  # type: ignore[arg-type]
        )
        if form.cleaned_data["attachment"]:
            case_services.attachment_add(
                case=case,
                by=request.user,
                upload=form.cleaned_data["attachment"],  # type: ignore[arg-type]
                public=form.cleaned_data["public"],
                comment=comment,
            )
    except DomainError as exc:
        report_domain_error(request, exc)
    return _back(number)


@require_POST
@staff_required
def case_transition(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            case_services.case_transition(
                case=case,
                to=form.cleaned_data["status"],
                by=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            report_domain_error(request, exc)
    else:
        messages.error(request, _("That change could not be read; reload the page."))
    return _back(number)


@require_POST
@staff_required
def case_update(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return _back(number)
    data = form.cleaned_data
    changes = {
        k: data[k] for k in ("assignee", "team", "severity", "cause") if data[k] != getattr(case, k)
    }
    try:
        case_services.case_update(
            case=case, by=request.user, changes=changes, expected_version=data["version"]
        )  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        if "severity" in changes:
            messages.info(request, _("Severity changed; the service-level clocks were recomputed."))
    return _back(number)


@require_POST
@staff_required
def case_escalate(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    form = EscalateForm(request.POST, prefix="escalate")
    if form.is_valid():
        try:
            escalation = case_services.case_escalate(
                case=case, by=request.user, reason=form.cleaned_data["reason"]
            )  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(
                request,
                _("Escalated to level %(level)d: %(who)s.")
                % {"level": escalation.level, "who": ", ".join(escalation.recipients) or "—"},
            )
    else:
        messages.error(request, _("Give a reason for the escalation."))
    return _back(number)


@require_POST
@staff_required
def case_attach(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    form = AttachForm(request.POST, request.FILES, prefix="attach")
    if form.is_valid():
        try:
            case_services.attachment_add(
                case=case,
                by=request.user,
                upload=form.cleaned_data["attachment"],  # type: ignore[arg-type]
                public=form.cleaned_data["public"],
            )
        except DomainError as exc:
            report_domain_error(request, exc)
    else:
        messages.error(request, _("Choose a file to attach."))
    return _back(number)


@staff_required
def customer_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The customer file: contacts, sites, assets and their entitlement, contracts, case history,
    satisfaction."""
    customer = customer_list_visible_to(user=request.user).filter(code=code).first()
    if customer is None:
        raise Http404
    today = clock.today()
    assets = list(
        customer.assets.select_related("product", "contract", "site")
        .prefetch_related("warranty_extensions")
        .order_by("serial_number")
    )
    cases = list(
        case_selectors.case_list_for_api(user=request.user)  # type: ignore[arg-type]
        .prefetch_related(None)
        .filter(customer=customer)
        .order_by("-reported_at")[:50]
    )
    ratings = Rating.objects.filter(case__customer=customer)
    context = {
        "customer": customer,
        "assets": [(a, entitlement_at(a, today)) for a in assets],
        "contracts": list(customer.contracts.order_by("end_date")),
        "cases": cases,
        "open_count": Case.objects.filter(customer=customer, status__in=OPEN).count(),
        "ratings": list(ratings.select_related("case").order_by("-created_at")[:20]),
        "rating_summary": ratings.aggregate(avg=Avg("score"), n=Count("id")),
        "rating_trend": monthly_satisfaction(customer=customer, today=today),
        "visits": list(
            Visit.objects.filter(case__customer=customer)
            .select_related("case", "engineer")
            .prefetch_related("parts")
            .order_by("-planned_at")[:50]
        ),
        "today": today,
    }
    return render(request, "console/customer_detail.html", context)


@staff_required
def asset_detail(request: HttpRequest, serial: str) -> HttpResponse:
    """An installed unit: entitlement and the service history of its serial number."""
    asset = asset_list_visible_to(user=request.user).filter(serial_number=serial).first()
    if asset is None:
        raise Http404
    cases = list(
        case_selectors.case_list_for_api(user=request.user)  # type: ignore[arg-type]
        .prefetch_related(None)
        .filter(asset=asset)
        .order_by("-reported_at")[:100]
    )
    extensions = list(asset_extensions(asset=asset))
    context = {
        "asset": asset,
        "entitlement": entitlement_at(asset, clock.today(), extensions=extensions),
        "cases": cases,
        "extensions": extensions,
        "visits": list(
            Visit.objects.filter(case__asset=asset)
            .select_related("case", "engineer")
            .prefetch_related("parts")
            .order_by("-planned_at")[:100]
        ),
        "extend_form": (
            ExtensionForm(prefix="extend")
            if has_capability(request.user, Capability.MANAGE_CONTRACTS)
            else None
        ),
    }
    return render(request, "console/asset_detail.html", context)
