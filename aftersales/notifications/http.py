"""One HTTP POST for webhooks and the SMS gateway (the standard library, no redirects).

Redirects are not followed: a POST turned into a GET elsewhere would look delivered when it was
not. Any status is returned to the caller, who decides what is accepted.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

EXCERPT_CHARS = 1000


class HttpFailure(Exception):
    """The request did not get an HTTP answer (refused, timed out, bad URL)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, *, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST ``body`` to ``url``; return (status, the first characters of the answer).

    Raises HttpFailure when there is no answer at all.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise HttpFailure(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, _excerpt(response)
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, _excerpt(exc)
        finally:
            exc.close()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise HttpFailure(str(getattr(exc, "reason", exc))) from exc


def _excerpt(response: Any) -> str:
    raw = response.read(EXCERPT_CHARS * 4)
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
