"""The lazy session and message middleware answer exactly as Django's."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from aftersales.core.lazy import MessageMiddleware, SessionMiddleware

pytestmark = pytest.mark.django_db


def untouched(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def reads_session(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.session.get("seen", "")))


def writes_session(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = "yes"
    return HttpResponse("ok")


def flushes_session(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponse("ok")


def adds_message(request: HttpRequest) -> HttpResponse:
    messages.success(request, "saved")
    return HttpResponse("ok")


def reads_messages(request: HttpRequest) -> HttpResponse:
    return HttpResponse(",".join(str(m) for m in messages.get_messages(request)))


def adds_many_messages(request: HttpRequest) -> HttpResponse:
    for n in range(300):  # more than a cookie holds: the rest goes to the session
        messages.info(request, f"message {n} " + "x" * 40)
    return HttpResponse("ok")


VIEWS = [
    untouched,
    reads_session,
    writes_session,
    flushes_session,
    adds_message,
    reads_messages,
    adds_many_messages,
]


def _chain(session_class: type, message_class: type, view: Any) -> Any:
    return session_class(message_class(view))


def _cookies_of(response: HttpResponse) -> dict[str, dict[str, Any]]:
    """Cookies set by the response, without their values (session keys are random), except
    whether a value was set at all."""
    return {
        name: {
            "set": bool(morsel.value),
            **{key: morsel[key] for key in ("max-age", "path", "httponly", "samesite", "secure")},
        }
        for name, morsel in response.cookies.items()
    }


def _answer(session_class: type, message_class: type, view: Any, cookies: dict[str, str]) -> Any:
    request = RequestFactory().get("/page/")
    request.COOKIES.update(cookies)
    response = _chain(session_class, message_class, view)(request)
    return response.status_code, response.content, response.get("Vary"), _cookies_of(response)


def _session_cookie(settings: Any, **data: Any) -> dict[str, str]:
    """A request cookie naming a saved session holding ``data`` (a fresh one each call)."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(data)
    store.save()
    return {settings.SESSION_COOKIE_NAME: store.session_key}


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("cookie", ["none", "session", "empty-session", "unknown-session"])
@pytest.mark.parametrize("save_every_request", [False, True])
def test_the_same_answer_as_djangos(
    settings: Any, view: Any, cookie: str, save_every_request: bool
) -> None:
    settings.SESSION_SAVE_EVERY_REQUEST = save_every_request

    def cookies() -> dict[str, str]:
        if cookie == "session":
            return _session_cookie(settings, seen="before")
        if cookie == "empty-session":
            return _session_cookie(settings)
        if cookie == "unknown-session":
            return {settings.SESSION_COOKIE_NAME: "no-such-session-key-0123456789abcdef"}
        return {}

    ours = _answer(SessionMiddleware, MessageMiddleware, view, cookies())
    theirs = _answer(DjangoSessionMiddleware, DjangoMessageMiddleware, view, cookies())
    assert ours == theirs


def test_a_request_without_cookies_that_uses_neither_builds_neither() -> None:
    request = RequestFactory().get("/api/v1/cases/")
    response = _chain(SessionMiddleware, MessageMiddleware, untouched)(request)
    assert response.status_code == 200
    assert request.session._wrapped is empty  # noqa: SLF001
    assert request._messages._wrapped is empty  # noqa: SLF001
    assert not response.cookies
    assert not response.has_header("Vary")


def test_a_request_with_a_session_cookie_gets_its_store_at_once(settings: Any) -> None:
    request = RequestFactory().get("/page/")
    request.COOKIES.update(_session_cookie(settings, seen="before"))
    SessionMiddleware(untouched).process_request(request)
    assert request.session.__class__.__module__ == settings.SESSION_ENGINE
    assert type(request.session) is request.session.__class__  # not a lazy object


def test_messages_added_without_cookies_survive_to_the_next_request() -> None:
    first = RequestFactory().get("/page/")
    response = _chain(SessionMiddleware, MessageMiddleware, adds_message)(first)
    second = RequestFactory().get("/page/")
    second.COOKIES.update({name: morsel.value for name, morsel in response.cookies.items()})
    answer = _chain(SessionMiddleware, MessageMiddleware, reads_messages)(second)
    assert answer.content == b"saved"
