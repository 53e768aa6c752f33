"""Probe and metrics endpoints, and the error handlers (JSON under /api/, pages elsewhere)."""

from __future__ import annotations

import hmac
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from aftersales.ops.checks import readiness
from aftersales.ops.metrics import exposition
from aftersales.ops.middleware import DATABASE_ERRORS, database_unavailable


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage does not get
    healthy processes restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database (migrated), the cache and the broker answer, else 503."""
    checks = readiness()
    ready = all(c.ok for c in checks)
    response = JsonResponse(
        {
            "status": "ready" if ready else "unavailable",
            "checks": {c.name: c.as_dict() for c in checks},
        },
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = str(settings.OPS_RETRY_AFTER_SECONDS)
    return response


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition. With ``METRICS_TOKEN`` set, a scrape must send it as a bearer
    token; otherwise the endpoint is open (keep it off the public network)."""
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return HttpResponse(status=404)
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that went away anywhere in the request (middleware included) is a
    503 with a retry hint; anything else is Django's plain 500 page."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred."), "code": "error"}, status=500)
    return django_server_error(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an API path that matches no route (``/api/v1/contacts/abc/``) answers in
    JSON like every other API error; pages get the 404 page."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return django_page_not_found(request, exception)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")
