"""The Content-Security-Policy header (django-csp), with the settings' policy built once.

django-csp builds the header from the settings on every response: the policy parts go through
``dataclasses.asdict`` and every directive of both policies is copied, joined and
de-duplicated, which cost about 4 % of the CPU of an API case creation. A response that carries
no policy of its own (django-csp's ``csp_update``/``csp_replace``/``csp_override`` decorators)
to a request that used no nonce gets the settings' policy, which does not change between
responses: this middleware builds it once per process (and again when a CSP setting changes)
and leaves every other response to django-csp as it is.
"""

from __future__ import annotations

import http.client
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Attributes django-csp's decorators set on a response to give it a policy of its own.
_OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# (header, the response attribute that exempts it, the setting, report-only)
_HEADERS = (
    (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)

# setting name -> (the policy text, the excluded path prefixes)
_built: dict[str, tuple[str, tuple[str, ...]]] = {}


def settings_policy(setting: str, *, report_only: bool) -> tuple[str, tuple[str, ...]]:
    """Return the header django-csp builds from ``setting`` for a response without a policy of
    its own and without a nonce, and the setting's excluded path prefixes (built once)."""
    built = _built.get(setting)
    if built is None:
        config = getattr(settings, setting, None) or {}
        prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
        built = _built[setting] = (build_policy(report_only=report_only), prefixes)
    return built


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _built.clear()


class CSPMiddleware(_DjangoCSPMiddleware):
    """django-csp's middleware; the settings' policy comes built (see the module's text)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _OWN_POLICY
        ):
            return super().process_response(request, response)
        # What django-csp does, with the policies built once.
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        for header, exempt, setting, report_only in _HEADERS:
            policy, excluded = settings_policy(setting, report_only=report_only)
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written raises.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
