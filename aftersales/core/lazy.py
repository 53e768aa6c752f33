"""Django's session and message middleware, building their stores only for requests that use
them.

Both build an object for every request: a session store (its serializer imported, its cache
looked up) and a message storage (a cookie storage with its signer and a session storage behind
a fallback). An API request with a token and no cookies uses neither, yet paid ~0.15 M
instructions for them, ~2.5 % of creating a case. Here each is a lazy object built on first use;
on the way out, one that was never built is left alone, which is what Django's middleware does
with a store nobody touched:

- a session store of a request **without a session cookie** that nobody accessed is empty and
  unmodified: no cookie to delete, no ``Vary: Cookie``, nothing to save (even with
  ``SESSION_SAVE_EVERY_REQUEST``, which saves only a non-empty session). A request with a
  session cookie gets its store built at once, as in Django;
- a message storage nobody touched has neither used nor added messages: its ``update`` stores
  nothing.

Anything else — a store that was built, or one a view replaced — goes through Django's
``process_response`` unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as _DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware as _DjangoSessionMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty


def _untouched(value: Any) -> bool:
    return isinstance(value, SimpleLazyObject) and value._wrapped is empty  # noqa: SLF001


class SessionMiddleware(_DjangoSessionMiddleware):
    """Django's, with the store of a request without a session cookie built on first use."""

    def process_request(self, request: HttpRequest) -> None:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            super().process_request(request)
        else:
            request.session = SimpleLazyObject(functools.partial(self.SessionStore, None))  # type: ignore[assignment]

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _untouched(request.__dict__.get("session")):
            return response
        return super().process_response(request, response)


class MessageMiddleware(_DjangoMessageMiddleware):
    """Django's, with the message storage built on first use."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(functools.partial(default_storage, request))  # type: ignore[attr-defined]  # noqa: SLF001

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _untouched(request.__dict__.get("_messages")):
            return response
        return super().process_response(request, response)
