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


def test_a_signed_in_session_gets_its_preferences() -> None:
    user = user_create(by=None, username="pref_agent", role="agent", password="tundra-Lantern-5931")
    user.language = "en"
    user.timezone = "Europe/Berlin"
    user.save(update_fields=["language", "timezone"])
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    seen = _seen(request)
    assert seen["loaded"] is True
    assert seen["language"] == "en"
    assert seen["zone"] == "Europe/Berlin"
    timezone.deactivate()


def test_a_time_zone_does_not_carry_over_to_the_next_request() -> None:
    """The active zone belongs to the thread: the next request (here a token call, which has
    no session) must not be served in the previous user's zone."""
    user = user_create(
        by=None, username="berlin_agent", role="agent", password="tundra-Lantern-5931"
    )
    user.timezone = "Europe/Berlin"
    user.save(update_fields=["timezone"])
    client = Client()
    client.force_login(user)
    signed_in = RequestFactory().get("/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
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
