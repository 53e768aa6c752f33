"""Request middleware: input hygiene and per-user preferences."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _


def session_user(request: HttpRequest) -> Any:
    """Return ``request.user``, or None when it is certainly anonymous without looking.

    The user that ``AuthenticationMiddleware`` sets comes from the session, and a request without
    a session cookie has an empty session: its user is anonymous. Asking first spares such
    requests (API calls with a token) loading an empty session and Django's user machinery in
    every middleware that only acts for signed-in users. A user set any other way is returned.
    """
    user = request.__dict__.get("user")
    if (
        isinstance(user, SimpleLazyObject)
        and user._wrapped is empty  # noqa: SLF001 - not evaluated yet
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    ):
        return None
    return getattr(request, "user", None)


class RejectNulBytesMiddleware:
    """Answer 400 to a path or query string holding a NUL byte.

    PostgreSQL cannot store or compare NUL characters, so such input would otherwise surface as a
    server error deep inside a query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.path + "?" + request.META.get("QUERY_STRING", "")
        if "\x00" in raw or "%00" in raw or "\x00" in unquote(raw):
            return JsonResponse(
                {"detail": _("The request contains a NUL character."), "code": "invalid"},
                status=400,
            )
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone, when they chose them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = session_user(request)
        if user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            tz = getattr(user, "timezone", "")
            if tz:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(tz))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
                    timezone.deactivate()
            else:
                timezone.deactivate()
        return self.get_response(request)
