"""Sign-in throttling: django-axes counts failed sign-ins per username and per client address.

Every sign-in form (console and portal share ``/accounts/login/``; the admin's and the API's
session logins lead there too) calls ``django.contrib.auth.authenticate``, which axes watches. A
username is locked after ``LOGIN_FAILURE_LIMIT`` failures, an address after
``LOGIN_FAILURE_LIMIT_IP`` (offices sign in from one address), each for ``LOGIN_LOCKOUT_MINUTES``
after the latest failure. While locked, even the right password is refused.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


class LoginThrottleHandler(AxesDatabaseHandler):
    """The database handler with a separate failure limit for the client address.

    axes compares one number with one limit; this handler scales the per-address count so that
    ``LOGIN_FAILURE_LIMIT_IP`` failures from one address weigh as much as ``LOGIN_FAILURE_LIMIT``
    failures of one username.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        user_limit = settings.AXES_FAILURE_LIMIT
        ip_limit = max(settings.LOGIN_FAILURE_LIMIT_IP, 1)
        worst = 0
        for params, attempts in zip(
            settings.AXES_LOCKOUT_PARAMETERS,
            self.get_user_attempts(request, credentials),
            strict=True,
        ):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if params == "ip_address":
                count = math.floor(count * user_limit / ip_limit)
            worst = max(worst, count)
        return worst


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind ``LOGIN_TRUSTED_PROXY_COUNT`` reverse proxies
    the address the outermost trusted proxy saw (X-Forwarded-For, counted from the right, so a
    client cannot forge it)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.LOGIN_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    return hops[-proxies] if len(hops) >= proxies else hops[0]


def locked_until(*, username: str, ip_address: str | None) -> datetime:
    """When the lock-out of this username or address ends (the latest failure + the cool-off)."""
    query = Q(pk__in=[])
    if username:
        query |= Q(username=username)
    if ip_address:
        query |= Q(ip_address=ip_address)
    latest = AccessAttempt.objects.filter(query).aggregate(t=Max("attempt_time"))["t"]
    return (latest or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_message(until: datetime) -> str:
    """The translated message a locked-out person reads: why, and when to try again."""
    local = timezone.localtime(until)
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return _(
        "Too many failed sign-in attempts. For your security, signing in is blocked until "
        "%(time)s (about %(minutes)d minutes). Try again then, or ask an administrator to "
        "unlock your account."
    ) % {"time": date_format(local, "Y-m-d H:i"), "minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Answer a refused sign-in of a locked-out username or address (HTTP 429 + Retry-After)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    until = locked_until(username=username, ip_address=ip_address)
    message = lockout_message(until)
    retry_after = max(1, math.ceil((until - timezone.now()).total_seconds()))
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        response: HttpResponse = JsonResponse(
            {"detail": message, "retry_after": timezone.localtime(until).isoformat()},
            status=429,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message, "until": until, "username": username},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def unlock(*, username: str = "", ip_address: str = "") -> int:
    """Clear the failed sign-ins of a username and/or an address; return how many were removed."""
    removed = 0
    if username:
        removed += AxesProxyHandler.reset_attempts(username=username)
    if ip_address:
        removed += AxesProxyHandler.reset_attempts(ip_address=ip_address)
    return removed


def is_locked_out(username: str) -> bool:
    """Whether this username has reached the failure limit within the cool-off period."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=threshold).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )
    return failures >= settings.AXES_FAILURE_LIMIT
