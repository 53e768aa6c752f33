"""Request middleware: input hygiene and per-user preferences."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


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
        user = getattr(request, "user", None)
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
