"""Signing in (password, then a two-factor code when the account has one) and the two-factor pages.

The console, the portal, the admin and the browsable API all sign in here, so throttling
(django-axes) and two-factor apply everywhere.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales.accounts import twofactor
from aftersales.accounts.models import User
from aftersales.core.errors import DomainError

PENDING_KEY = "two_factor_pending"


class LoginView(auth_views.LoginView):
    """The password step; an account with two-factor sign-in continues to the code step."""

    redirect_authenticated_user = False

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not twofactor.has_two_factor(user):
            return super().form_valid(form)
        # Not signed in yet: remember who gave the right password, briefly, for the code step.
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("two-factor-verify")


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > settings.TWO_FACTOR_PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step of signing in (or of an administrator's session that needs a second factor)."""
    if request.user.is_authenticated:
        user: User | None = request.user  # type: ignore[assignment]
        pending: dict[str, Any] = {"next": request.GET.get("next") or request.POST.get("next")}
        if request.user.is_verified() or not twofactor.has_two_factor(request.user):  # type: ignore[union-attr]
            return redirect(_safe_next(request, pending["next"]))
    else:
        user, pending = _pending_user(request)
        if user is None:
            request.session.pop(PENDING_KEY, None)
            messages.info(request, _("Your sign-in took too long. Please sign in again."))
            return redirect("login")
    error = ""
    if request.method == "POST":
        try:
            device = twofactor.verify(user=user, token=request.POST.get("otp_token", ""))  # type: ignore[arg-type]
        except DomainError as exc:
            error = str(exc.message) if hasattr(exc, "message") else str(exc)
        else:
            if not request.user.is_authenticated:
                request.session.pop(PENDING_KEY, None)
                auth_login(request, user, backend=pending["backend"])  # type: ignore[arg-type]
            django_otp.login(request, device)
            if device.name == twofactor.RECOVERY_DEVICE_NAME:
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(n)d left. Make new ones on the "
                        "two-factor page if you are running out."
                    )
                    % {"n": twofactor.recovery_codes_left(user)},  # type: ignore[arg-type]
                )
            return redirect(_safe_next(request, pending.get("next")))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"error": error, "next": pending.get("next") or ""},
        status=400 if error else 200,
    )


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the same page (throttled, with the code step)."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Whether two-factor sign-in is on, and the buttons to set it up or manage it."""
    user: User = request.user  # type: ignore[assignment]
    if not twofactor.may_use_two_factor(user):
        return HttpResponseForbidden(_("Two-factor sign-in is for service staff."))
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": twofactor.has_two_factor(user),
            "required": twofactor.two_factor_required(user),
            "codes_left": twofactor.recovery_codes_left(user),
        },
    )


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol: POST alone starts (a new secret), GET shows the QR code, POST a code confirms."""
    user: User = request.user  # type: ignore[assignment]
    if not twofactor.may_use_two_factor(user):
        return HttpResponseForbidden(_("Two-factor sign-in is for service staff."))
    if twofactor.has_two_factor(user):
        return redirect("two-factor")
    error = ""
    if request.method == "POST" and "otp_token" in request.POST:
        try:
            codes = twofactor.enrolment_confirm(user=user, token=request.POST["otp_token"])
        except DomainError as exc:
            error = str(exc.message)
        else:
            django_otp.login(request, twofactor.app_device(user))
            return _show_codes(request, codes, _("Two-factor sign-in is on."))
    elif request.method == "POST":
        twofactor.enrolment_start(user=user)
        return redirect("two-factor-setup")
    device = twofactor.app_device(user, confirmed=False)
    if device is None:
        return redirect("two-factor")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "qr_svg": mark_safe(twofactor.qr_code_svg(device)),  # noqa: S308 (generated by qrcode)
            "otpauth_uri": device.config_url,
            "secret": twofactor.secret_base32(device),
            "error": error,
        },
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make new recovery codes (the old ones stop working)."""
    try:
        codes = twofactor.recovery_codes_regenerate(user=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("two-factor")
    return _show_codes(request, codes, _("New recovery codes; the old ones no longer work."))


@never_cache
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, confirmed with a current code."""
    user: User = request.user  # type: ignore[assignment]
    try:
        if twofactor.two_factor_required(user):
            twofactor.disable(user=user)  # refuses with the reason
        twofactor.verify(user=user, token=request.POST.get("otp_token", ""))
        twofactor.disable(user=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("two-factor")


def _show_codes(request: HttpRequest, codes: list[str], title: str) -> HttpResponse:
    shown = [f"{c[:4]}-{c[4:]}" for c in codes]
    return render(request, "accounts/recovery_codes.html", {"codes": shown, "title": title})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (or from another site): refused, in plain words."""
    body = render_to_string(
        "403.html",
        {
            "message": _(
                "This form has expired or did not come from this site. Go back, reload the "
                "page and try again."
            )
        },
        request=request,
    )
    return HttpResponseForbidden(body)
