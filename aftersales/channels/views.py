"""Pages of the channels app: the console's screen-pop and chat indicator, and the chat panels
of the console and portal case pages (htmx partials, polled).

Polls are cheap: the screen-pop poll carries a fingerprint of what it shows and is answered
``204 No Content`` (htmx swaps nothing) while nothing changed; a chat poll carries the id of the
last message shown (``after``) and gets only newer messages, or 204.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.cases import selectors as case_selectors
from aftersales.cases.choices import CaseStatus
from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN
from aftersales.channels import phones
from aftersales.channels.models import Call
from aftersales.channels.selectors import (
    caller_identify,
    calls_for_pop,
    chat_messages,
    chat_of,
    chats_waiting_for,
    on_duty_agent,
    open_cases_for,
    pop_fingerprint,
)
from aftersales.channels.services.calls import (
    call_dismiss,
    call_link_case,
    call_mark_completed,
    call_open_case,
)
from aftersales.channels.services.chat import chat_post, chat_start
from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error
from aftersales.portal.views import contact_required

# --- console: screen-pop ---------------------------------------------------------------------


@require_GET
@staff_required
def console_poll(request: HttpRequest) -> HttpResponse:
    """The screen-pop of calls to the user's extension and the chats waiting for them."""
    now = clock.now()
    fingerprint = pop_fingerprint(user=request.user, now=now)
    if request.GET.get("fp") == fingerprint:
        return HttpResponse(status=204)
    calls = calls_for_pop(user=request.user, now=now)
    chats = chats_waiting_for(user=request.user)
    pops = []
    for call in calls:
        match = caller_identify(call.caller_normalized)
        pops.append(
            {
                "call": call,
                "number": phones.display(call.caller_normalized),
                "open_cases": [c for c in open_cases_for(match) if c.pk != call.case_id],
            }
        )
    return render(
        request,
        "channels/_console_poll.html",
        {
            "pops": pops,
            "chats": chats,
            "fingerprint": fingerprint,
            "poll_seconds": settings.CHANNELS_POLL_SECONDS,
        },
    )


def _call_for(request: HttpRequest, pk: int) -> Call:
    return get_object_or_404(Call.objects.select_related("case"), pk=pk)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the console page the screen-pop was on (only on this site), else the dashboard."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("console:home")


@require_POST
@staff_required
def call_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        call_dismiss(call=_call_for(request, pk), by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    return _back(request)


@require_POST
@staff_required
def call_new_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a draft case from the call (prefilled with the caller) and go complete it."""
    try:
        case = call_open_case(call=_call_for(request, pk), by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
        return _back(request)
    messages.success(
        request,
        _("Case %(number)s opened from the call: complete it.") % {"number": case.number},
    )
    return redirect("console:case", number=case.number)


@require_POST
@staff_required
def call_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Log the call on one of the caller's open cases."""
    call = _call_for(request, pk)
    case = (
        case_selectors.case_list_visible_to(user=request.user)  # type: ignore[arg-type]
        .filter(number=request.POST.get("case", ""))
        .first()
    )
    if case is None:
        raise Http404
    try:
        call_link_case(call=call, case=case, by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
        return _back(request)
    return redirect("console:case", number=case.number)


@require_POST
@staff_required
def call_completed(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        call_mark_completed(call=_call_for(request, pk), by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        report_domain_error(request, exc)
    return _back(request)


# --- chat panels (console and portal) ---------------------------------------------------------


def _after(request: HttpRequest) -> int:
    raw = request.GET.get("after", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


def _panel(request: HttpRequest, case: Case, *, side: str) -> HttpResponse:
    chat = chat_of(case)
    agent = chat.agent if chat is not None and chat.agent_id else None
    if agent is None and case.status in OPEN:
        agent = on_duty_agent(case)
    items = chat_messages(case=case)
    return render(
        request,
        "channels/_chat.html",
        {
            "case": case,
            "side": side,
            "items": items,
            "last_id": items[-1].pk if items else 0,
            "agent": agent,
            "can_write": case.status != CaseStatus.CLOSED,
            "urls": _chat_urls(case, side),
            "poll_seconds": settings.CHANNELS_POLL_SECONDS,
        },
    )


def _chat_urls(case: Case, side: str) -> dict[str, str]:
    prefix = "channels:console-chat" if side == "console" else "channels:portal-chat"
    return {
        "panel": reverse(prefix, kwargs={"number": case.number}),
        "messages": reverse(f"{prefix}-messages", kwargs={"number": case.number}),
        "send": reverse(f"{prefix}-send", kwargs={"number": case.number}),
    }


def _messages(request: HttpRequest, case: Case, *, side: str) -> HttpResponse:
    after = _after(request)
    items = chat_messages(case=case, after=after)
    if not items:
        return HttpResponse(status=204)
    return render(
        request,
        "channels/_chat_messages.html",
        {
            "case": case,
            "side": side,
            "items": items,
            "last_id": items[-1].pk,
            "urls": _chat_urls(case, side),
            "poll_seconds": settings.CHANNELS_POLL_SECONDS,
            "oob": True,
        },
    )


def _send(request: HttpRequest, case: Case, *, side: str) -> HttpResponse:
    htmx = request.headers.get("HX-Request") == "true"
    try:
        chat_post(case=case, by=request.user, text=request.POST.get("text", ""))  # type: ignore[arg-type]
    except DomainError as exc:
        if not htmx:
            report_domain_error(request, exc)
        else:
            data = exc.as_data()
            text = data.get("detail") or "; ".join(str(m) for v in data.values() for m in v)
            return HttpResponse(text, status=400)
    if htmx:
        response = HttpResponse("")
        response["HX-Trigger"] = "chat-refresh"
        return response
    page = "console:case" if side == "console" else "portal:case"
    return redirect(reverse(page, kwargs={"number": case.number}) + "#chat")


def _console_case(request: HttpRequest, number: str) -> Case:
    case = case_selectors.case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None:
        raise Http404
    return case


def _portal_case(request: HttpRequest, number: str) -> Case:
    # Only the contact's own organisation's cases: anything else is a 404.
    case = case_selectors.case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
    if case is None or case.customer_id != request.user.customer_id:  # type: ignore[union-attr]
        raise Http404
    return case


@require_GET
@staff_required
def console_chat(request: HttpRequest, number: str) -> HttpResponse:
    return _panel(request, _console_case(request, number), side="console")


@require_GET
@staff_required
def console_chat_messages(request: HttpRequest, number: str) -> HttpResponse:
    return _messages(request, _console_case(request, number), side="console")


@require_POST
@staff_required
def console_chat_send(request: HttpRequest, number: str) -> HttpResponse:
    return _send(request, _console_case(request, number), side="console")


@require_GET
@contact_required
def portal_chat(request: HttpRequest, number: str) -> HttpResponse:
    return _panel(request, _portal_case(request, number), side="portal")


@require_GET
@contact_required
def portal_chat_messages(request: HttpRequest, number: str) -> HttpResponse:
    return _messages(request, _portal_case(request, number), side="portal")


@require_POST
@contact_required
def portal_chat_send(request: HttpRequest, number: str) -> HttpResponse:
    return _send(request, _portal_case(request, number), side="portal")


@contact_required
def portal_chat_start(request: HttpRequest) -> HttpResponse:
    """Start a chat: on one of the organisation's open cases, or on a new case (channel chat)."""
    if request.method == "POST":
        try:
            case = chat_start(by=request.user, text=request.POST.get("text", ""))  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            return redirect(reverse("portal:case", kwargs={"number": case.number}) + "#chat")
    open_cases = (
        case_selectors.case_list_visible_to(user=request.user)  # type: ignore[arg-type]
        .filter(status__in=OPEN)
        .order_by("-reported_at")[:20]
    )
    return render(
        request,
        "channels/portal_chat_start.html",
        {"open_cases": open_cases, "nav": "chat", "text": request.POST.get("text", "")},
        status=400 if request.method == "POST" else 200,
    )
