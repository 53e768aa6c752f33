"""Django's ``LocaleMiddleware`` without the URL-prefix work a project without
``i18n_patterns`` never needs.

Django's middleware looks for a language prefix in the path twice per request (a regular
expression and a supported-variant lookup each time) and goes through ``MiddlewareMixin``'s
generic dispatch; with no ``i18n_patterns`` in the URLconf the prefix can change nothing. This
one answers what Django's answers — the language from the cookie or ``Accept-Language``, else
the default; ``Vary: Accept-Language`` and ``Content-Language`` on the response — with that
work left out, about a sixth of a do-nothing request's middleware. A URLconf that does use
``i18n_patterns`` (a request's own ``urlconf`` included) is served by Django's middleware itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware as _DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware:
    """Activate the request's language; see the module's text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self._django = _DjangoLocaleMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return self._django(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # A view may have changed the URLconf; Django's middleware then decides the response.
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return self._django.process_response(request, response)
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Accept-Language",))
        else:
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
