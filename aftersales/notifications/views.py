"""The notifications page: a signed-in person sets which events reach them on which channel."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_time
from django.utils.translation import gettext as _

from aftersales.core.errors import DomainError, ValidationFailed
from aftersales.core.pages import report_domain_error
from aftersales.notifications.choices import PERSONAL_CHANNELS
from aftersales.notifications.selectors import preferences_for
from aftersales.notifications.services import preferences_set


def _time(request: HttpRequest, name: str) -> time | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_time(raw)
    except ValueError:  # well formed but out of range, such as 25:99
        value = None
    if value is None:
        raise ValidationFailed(_("Enter a time such as 22:00."), field=name)
    return value


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Show and change the signed-in person's notification preferences (console and portal)."""
    user = request.user
    current = preferences_for(user=user)  # type: ignore[arg-type]
    if request.method == "POST":
        choices = {
            row.event: [c for c in PERSONAL_CHANNELS if request.POST.get(f"{row.event}:{c}")]
            for row in current.events
        }
        try:
            start = end = None
            if current.quiet_hours_apply:
                start, end = _time(request, "quiet_hours_start"), _time(request, "quiet_hours_end")
            preferences_set(
                user=user, choices=choices, quiet_hours_start=start, quiet_hours_end=end
            )
        except DomainError as exc:
            report_domain_error(request, exc)
            return render(
                request,
                "notifications/preferences.html",
                {"prefs": current, "base": _base(user), "nav": "notifications"},
                status=400,
            )
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"prefs": current, "base": _base(user), "nav": "notifications"},
    )


def _base(user: object) -> str:
    if getattr(user, "is_customer_contact", False):
        return "portal/base_portal.html"
    return "console/base_console.html"
