"""File downloads for the web pages (the API has its own route to the same check)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from aftersales.cases.files import attachment_response
from aftersales.cases.selectors import attachment_get_visible


@login_required
def download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Serve a case file to someone who may see it; anyone else gets 404."""
    attachment = attachment_get_visible(user=request.user, attachment_id=attachment_id)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)
