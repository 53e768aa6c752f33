"""Serving case files: the one place that turns an attachment into an HTTP download."""

from __future__ import annotations

from django.http import FileResponse

from aftersales.cases.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """Return the file as a download: never rendered inline, never sniffed into another type
    (user content must not run in our origin)."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
