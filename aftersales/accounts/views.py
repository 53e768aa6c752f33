"""Signing in, choosing a language, and finding one's way home (console or portal)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from aftersales.accounts.services import user_set_preferences


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send customers to the portal and staff to the console."""
    if request.user.is_customer_contact:  # type: ignore[union-attr]
        return redirect("portal:home")
    return redirect("console:home")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user keeps the choice in their profile."""
    code = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        user_set_preferences(user=request.user, language=code)  # type: ignore[arg-type]
    translation.activate(code)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax", max_age=365 * 86400)
    return response
