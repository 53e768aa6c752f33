"""The CSP middleware answers exactly as django-csp's, building the settings' policy once."""

from __future__ import annotations

from typing import Any

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from aftersales.core import csp as ours
from aftersales.core.csp import CSPMiddleware

POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
REPORT_ONLY = {
    "DIRECTIVES": {"default-src": ["'none'"], "report-uri": "/csp-report/"},
    "EXCLUDE_URL_PREFIXES": ["/quiet/"],
}


def _answer(middleware_class: type, view: Any, path: str = "/page/") -> tuple[Any, HttpRequest]:
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    return middleware(request), request


def _headers(response: Any) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def with_nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]


@csp_update({"img-src": "https://cdn.example.com"})
def updated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@csp_replace({"default-src": "'none'"})
def replaced(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@csp_exempt()
def exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def own_header(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response[HEADER] = "sandbox"
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponse("missing", status=404)


VIEWS = [plain, updated, replaced, exempt, own_header, not_found]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    ours._built.clear()
    yield
    ours._built.clear()


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("path", ["/page/", "/quiet/page/"])
@override_settings(CONTENT_SECURITY_POLICY=POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY=REPORT_ONLY)
def test_same_headers_as_django_csp(view: Any, path: str) -> None:
    theirs, _ = _answer(DjangoCSPMiddleware, view, path)
    for _ in range(2):  # built, then from the cache
        answer, _ = _answer(CSPMiddleware, view, path)
        assert _headers(answer) == _headers(theirs)
    assert answer.headers.get(HEADER) is not None or view in (exempt,)


@override_settings(CONTENT_SECURITY_POLICY=POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY=REPORT_ONLY)
def test_plain_response_gets_both_policies_and_excluded_paths_skip_report_only() -> None:
    answer, _ = _answer(CSPMiddleware, plain)
    assert "default-src 'self'" in answer[HEADER]
    assert "img-src 'self' data:" in answer[HEADER]
    assert "report-uri /csp-report/" in answer[HEADER_REPORT_ONLY]
    quiet, _ = _answer(CSPMiddleware, plain, "/quiet/x/")
    assert HEADER_REPORT_ONLY not in quiet
    assert HEADER in quiet


@override_settings(CONTENT_SECURITY_POLICY=POLICY)
def test_a_nonce_used_by_the_view_reaches_the_header() -> None:
    first, _ = _answer(CSPMiddleware, with_nonce)
    second, _ = _answer(CSPMiddleware, with_nonce)
    nonce = first.content.decode()
    assert f"'nonce-{nonce}'" not in first[HEADER]  # no directive asks for it...
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    ):
        ours._built.clear()
        answer, _ = _answer(CSPMiddleware, with_nonce)
        assert f"'nonce-{answer.content.decode()}'" in answer[HEADER]  # ...this one does
        assert answer.content != second.content


@override_settings(CONTENT_SECURITY_POLICY=POLICY)
def test_a_nonce_asked_for_after_the_header_is_written_raises() -> None:
    _, request = _answer(CSPMiddleware, plain)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]


@override_settings(CONTENT_SECURITY_POLICY=POLICY)
def test_view_policies_are_applied() -> None:
    answer, _ = _answer(CSPMiddleware, updated)
    assert "img-src 'self' data: https://cdn.example.com" in answer[HEADER]
    answer, _ = _answer(CSPMiddleware, replaced)
    assert "default-src 'none'" in answer[HEADER]
    answer, _ = _answer(CSPMiddleware, exempt)
    assert HEADER not in answer


def test_a_changed_setting_is_built_again() -> None:
    with override_settings(CONTENT_SECURITY_POLICY=POLICY):
        answer, _ = _answer(CSPMiddleware, plain)
        assert "img-src 'self' data:" in answer[HEADER]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        answer, _ = _answer(CSPMiddleware, plain)
        assert answer[HEADER] == "default-src 'none'"
    with override_settings(CONTENT_SECURITY_POLICY=None):
        answer, _ = _answer(CSPMiddleware, plain)
        assert HEADER not in answer


@override_settings(DEBUG=True, CONTENT_SECURITY_POLICY=POLICY)
def test_debug_error_pages_are_left_alone() -> None:
    answer, _ = _answer(CSPMiddleware, not_found)
    assert HEADER not in answer


def test_the_project_uses_it(client: Any, db: Any) -> None:
    from django.conf import settings

    assert "aftersales.core.csp.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
    answer = client.get("/healthz")
    assert "default-src 'self'" in answer[HEADER]
    assert "frame-ancestors 'none'" in answer[HEADER]
