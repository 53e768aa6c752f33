"""Serving files: no user content runs in our origin.

Every response that is a download (a ``FileResponse`` or any response with a
``Content-Disposition``) passes :func:`harden` (the :class:`DownloadHeadersMiddleware` applies
it to all of them, whichever view made them):

- its content type comes from an allow-list; anything else (``text/html``, ``image/svg+xml``,
  scripts, XML, unknown types) is sent as ``application/octet-stream``;
- it is an attachment; only images and PDFs of the safe types may be shown inline;
- ``X-Content-Type-Options: nosniff`` stops the browser from guessing another type;
- ``Content-Security-Policy: sandbox; default-src 'none'`` keeps even a file that is opened
  from running script or loading anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

DOWNLOAD_CSP = "sandbox; default-src 'none'"

# Shown in the browser when asked (a photo in the case page, a signature, a PDF).
INLINE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "application/pdf"}
)
ALLOWED_TYPES = INLINE_TYPES | frozenset(
    {
        "image/tiff",
        "image/heic",
        "text/plain",
        "text/csv",
        "text/calendar",
        "application/json",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/rtf",
        "application/zip",
        "application/gzip",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/vnd.tcpdump.pcap",
        "video/mp4",
        "video/quicktime",
        "application/octet-stream",
    }
)
_TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/calendar", "application/json"})


def safe_content_type(content_type: str | None) -> str:
    """Return ``content_type`` if it is on the allow-list (a text type keeps its charset), else
    ``application/octet-stream``."""
    base, _sep, params = (content_type or "").partition(";")
    base = base.strip().lower()
    if base not in ALLOWED_TYPES:
        return "application/octet-stream"
    charset = params.strip().lower()
    if base in _TEXT_TYPES and re.fullmatch(r"charset=[\w.:-]+", charset):
        return f"{base}; {charset}"
    return base


def _filename(disposition: str) -> str | None:
    from email.message import Message

    message = Message()
    message["Content-Disposition"] = disposition
    return message.get_filename()


def harden(response: HttpResponseBase) -> HttpResponseBase:
    """Make ``response`` a safe download (see the module docstring); return it."""
    content_type = safe_content_type(response.get("Content-Type"))
    response["Content-Type"] = content_type
    disposition = response.get("Content-Disposition", "").strip()
    if not disposition or disposition.lower().startswith("inline"):
        if content_type not in INLINE_TYPES:
            name = _filename(disposition) if disposition else None
            response["Content-Disposition"] = (
                content_disposition_header(True, name) if name else "attachment"
            )
        elif not disposition:
            response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response._csp_exempt = True  # type: ignore[attr-defined]  # django-csp: keep ours
    return response


def is_download(response: HttpResponseBase) -> bool:
    """Return whether ``response`` serves a file (rather than a page or an API answer)."""
    return isinstance(response, FileResponse) or response.has_header("Content-Disposition")


def download_response(
    content: bytes | IO[bytes],
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
) -> HttpResponseBase:
    """Return ``content`` (bytes or an open binary file) as a hardened download."""
    response: HttpResponseBase
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(bytes(content), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response = FileResponse(
            content, as_attachment=not inline, filename=filename, content_type=content_type
        )
    return harden(response)


class DownloadHeadersMiddleware:
    """Apply :func:`harden` to every download, whichever view served it."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if is_download(response):
            harden(response)
        return response
