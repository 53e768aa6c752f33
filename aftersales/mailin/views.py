"""The staff page of the e-mail intake: mailboxes' health and the quarantine, with retry."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core.errors import DomainError
from aftersales.mailin import selectors, services


def _staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_service_staff", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@_staff_only
def status(request: HttpRequest) -> HttpResponse:
    """Show every mailbox's last fetch and the quarantined messages, oldest first."""
    return render(
        request,
        "mailin/status.html",
        {
            "mailboxes": selectors.mailbox_list_visible_to(user=request.user),
            "quarantine": selectors.quarantine_list_visible_to(user=request.user)[:200],
            "may_release": has_capability(request.user, Capability.MANAGE_CONFIG),
        },
    )


@require_POST
@_staff_only
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Retry one quarantined message (``release=1``: administrators lift the limits)."""
    message = get_object_or_404(selectors.inbound_list_visible_to(user=request.user), pk=pk)
    try:
        message = services.inbound_retry(
            message=message, by=request.user, release=request.POST.get("release") == "1"
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("mailin:status")
    if message.status == "quarantined":
        messages.warning(
            request, _("Still in quarantine: %(error)s") % {"error": message.error[:300]}
        )
    else:
        messages.success(request, _("The message was processed."))
    return redirect("mailin:status")
