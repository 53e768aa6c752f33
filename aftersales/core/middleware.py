"""Request middleware: input hygiene and per-user preferences."""

from __future__ import annotations

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
    """Activate the signed-in user's language and time zone, when they chose them.

    Every request starts in a time zone of its own: the user's, else the default one. The
    active zone belongs to the thread, so a zone left active by one user's request would
    otherwise still be active for the next request the thread serves (an anonymous visitor,
    an API token), and its times would be shown in that user's zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = session_user(request)
        zone = None
        if user is not None and user.is_authenticated:
            from aftersales.accounts.selectors import user_zone  # accounts builds on core

            language = getattr(user, "language", "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            zone = user_zone(user)
        timezone.activate(zone or timezone.get_default_timezone())
        return self.get_response(request)
