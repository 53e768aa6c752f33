"""The locale middleware answers exactly as Django's, without the language-prefix work."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory
from django.utils import translation

from aftersales.core.locale import LocaleMiddleware

PREFIXED = "aftersales.core.tests.locale_prefixed_urls"


def _view(status: int = 200, vary: str | None = None, language: str | None = None) -> Any:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(translation.get_language(), status=status)
        if vary is not None:
            response["Vary"] = vary
        if language is not None:
            response["Content-Language"] = language
        return response

    return view


def _answer(middleware_class: type, view: Any, path: str, urlconf: str | None = None, **meta: Any):
    request = RequestFactory().get(path, **meta)
    if urlconf is not None:
        request.urlconf = urlconf
    with translation.override("de"):  # whatever was active before must not matter
        response = middleware_class(view)(request)
        after = translation.get_language()
    return (
        response.status_code,
        response.content,
        response.headers.get("Location"),
        response.headers.get("Vary"),
        response.headers.get("Content-Language"),
        request.LANGUAGE_CODE,
        after,
    )


ACCEPT = [None, "en", "en-US,en;q=0.9", "zh-CN,zh;q=0.9", "fr", "en;q=0.1, zh-Hans;q=0.8", "*"]
COOKIE = [None, "en", "zh-hans", "xx"]
RESPONSES = [
    {},
    {"status": 404},
    {"vary": "Cookie"},
    {"vary": "Accept-Language, Cookie"},
    {"language": "en"},
]


@pytest.mark.parametrize(
    ("accept", "cookie", "response"), list(itertools.product(ACCEPT, COOKIE, RESPONSES))
)
def test_the_same_answer_as_djangos(
    settings: Any, accept: str | None, cookie: str | None, response: dict[str, Any]
) -> None:
    meta = {}
    if accept is not None:
        meta["HTTP_ACCEPT_LANGUAGE"] = accept
    if cookie is not None:
        meta["HTTP_COOKIE"] = f"{settings.LANGUAGE_COOKIE_NAME}={cookie}"
    view = _view(**response)
    ours = _answer(LocaleMiddleware, view, "/en/page/", **meta)
    assert ours == _answer(DjangoLocaleMiddleware, view, "/en/page/", **meta)
    assert _answer(LocaleMiddleware, view, "/api/v1/cases/", **meta) == _answer(
        DjangoLocaleMiddleware, view, "/api/v1/cases/", **meta
    )


def test_the_language_from_accept_language_is_active_in_the_view() -> None:
    answer = _answer(LocaleMiddleware, _view(), "/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer[1] == b"en"
    assert answer[3:6] == ("Accept-Language", "en", "en")


@pytest.mark.parametrize("path", ["/page/", "/en/page/", "/zh-hans/page/", "/missing/"])
@pytest.mark.parametrize("accept", [None, "en"])
def test_a_urlconf_with_language_prefixes_is_left_to_django(path: str, accept: str | None) -> None:
    meta = {} if accept is None else {"HTTP_ACCEPT_LANGUAGE": accept}
    view = _view(status=404)
    ours = _answer(LocaleMiddleware, view, path, urlconf=PREFIXED, **meta)
    assert ours == _answer(DjangoLocaleMiddleware, view, path, urlconf=PREFIXED, **meta)


def test_a_prefixed_urlconf_redirects_to_the_language_of_the_request() -> None:
    answer = _answer(
        LocaleMiddleware, _view(status=404), "/page/", urlconf=PREFIXED, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer[0] == 302
    assert answer[2] == "/en/page/"


def test_a_urlconf_set_by_the_view_is_honoured_on_the_way_out() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        request.urlconf = PREFIXED
        return HttpResponseNotFound()

    meta = {"HTTP_ACCEPT_LANGUAGE": "en"}
    ours = _answer(LocaleMiddleware, view, "/page/", **meta)
    assert ours == _answer(DjangoLocaleMiddleware, view, "/page/", **meta)
    assert ours[0] == 302
