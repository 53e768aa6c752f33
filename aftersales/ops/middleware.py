"""Middleware: request metrics, and a 503 with a retry hint while the database is away."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from aftersales.ops.metrics import LATENCY, REQUESTS

logger = logging.getLogger("aftersales.ops")

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: the client may repeat the request (with the same Idempotency-Key
    for a create) once the database answers again; nothing was written."""
    retry = str(settings.OPS_RETRY_AFTER_SECONDS)
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    wants_json = request.path.startswith(("/api/", "/readyz", "/healthz", "/metrics"))
    if wants_json or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "service_unavailable", "retry_after": int(retry)},
            status=503,
        )
    else:
        response = TemplateResponse(
            request, "ops/unavailable.html", {"message": message}, status=503
        )
        response.render()
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response


class MetricsMiddleware:
    """Count every request and its latency by route template (low cardinality: not the raw path)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection in a view into 503 + Retry-After instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning(
                "database unavailable: %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable(request)
        return None
