"""Middleware that acts only for signed-in users does not load the user of a request that has no
session (an API call with a token), and still acts for one that has."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.utils.functional import empty
from django_otp.middleware import OTPMiddleware

from aftersales.accounts.middleware import TwoFactorRequiredMiddleware
from aftersales.accounts.services import user_create
from aftersales.core.middleware import UserPreferencesMiddleware, session_user

pytestmark = pytest.mark.django_db


def _chain(view: Any) -> Any:
    handler = TwoFactorRequiredMiddleware(view)
    handler = UserPreferencesMiddleware(handler)
    handler = OTPMiddleware(handler)
    handler = AuthenticationMiddleware(handler)
    return SessionMiddleware(handler)


def _seen(request: HttpRequest) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen["loaded"] = req.user._wrapped is not empty  # type: ignore[attr-defined]
        seen["language"] = translation.get_language()
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse("ok")

    with translation.override("zh-hans"):
        _chain(view)(request)
    return seen


def test_a_request_without_a_session_cookie_does_not_load_its_user() -> None:
    request = RequestFactory().post("/api/v1/cases/", HTTP_AUTHORIZATION="Token abc")
    seen = _seen(request)
    assert seen["loaded"] is False
    assert seen["language"] == "zh-hans"
    assert request.user.is_anonymous  # still answers when asked


def _signed_in_request(username: str, **preferences: str) -> HttpRequest:
    """Return a request carrying the session cookie of a new agent with ``preferences``."""
    user = user_create(by=None, username=username, role="agent", password="tundra-Lantern-5931")
    for name, value in preferences.items():
        setattr(user, name, value)
    user.save(update_fields=list(preferences))
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    request.COOKIES[settings.SESSION_COOKIE_NAME] = cookie
    return request


def test_a_signed_in_session_gets_its_preferences() -> None:
    request = _signed_in_request("pref_agent", language="en", timezone="Europe/Berlin")
    try:
        seen = _seen(request)
    finally:
        timezone.deactivate()
    assert seen["loaded"] is True
    assert seen["language"] == "en"
    assert seen["zone"] == "Europe/Berlin"


def test_a_time_zone_does_not_carry_over_to_the_next_request() -> None:
    """The active zone belongs to the thread: the next request (here a token call, which has
    no session) must not be served in the previous user's zone."""
    signed_in = _signed_in_request("berlin_agent", timezone="Europe/Berlin")
    try:
        assert _seen(signed_in)["zone"] == "Europe/Berlin"
        token_call = RequestFactory().post("/api/v1/cases/", HTTP_AUTHORIZATION="Token abc")
        assert _seen(token_call)["zone"] == settings.TIME_ZONE == "Asia/Shanghai"
    finally:
        timezone.deactivate()


def test_a_user_set_otherwise_is_returned_as_is() -> None:
    request = RequestFactory().get("/")
    assert session_user(request) is None  # no user at all
    sentinel = object()
    request.user = sentinel  # type: ignore[attr-defined]
    assert session_user(request) is sentinel
