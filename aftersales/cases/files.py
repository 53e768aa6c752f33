"""Serving case files: the one place that turns an attachment into an HTTP download."""

from __future__ import annotations

from django.http import FileResponse

from aftersales.cases.models import Attachment
from aftersales.core.downloads import harden


def attachment_response(attachment: Attachment) -> FileResponse:
    """Return the file as a download: never rendered inline, never sniffed into another type,
    its type from the allow-list (user content must not run in our origin)."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    harden(response)
    return response
