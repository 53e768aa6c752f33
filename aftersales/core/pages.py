"""Helpers shared by the server-rendered pages (console and portal)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from aftersales.core.errors import Conflict, DomainError


def report_domain_error(request: HttpRequest, exc: DomainError) -> None:
    """Show a refused change to the person who asked for it, as a message on the next page.

    A stale edit (someone else changed the case first) gets the conflict message that says
    nothing was saved; any other refusal shows its own explanation.
    """
    if isinstance(exc, Conflict) and exc.code == "stale_version":
        messages.error(
            request,
            _(
                "Someone else changed this case while you were looking at it. Nothing was saved: "
                "check the changes below and try again."
            ),
        )
        return
    data = exc.as_data()
    text = data.get("detail") or "; ".join(str(m) for msgs in data.values() for m in msgs)
    messages.error(request, text)


def report_form_errors(request: HttpRequest, form: Any) -> None:
    """Show a form's errors as messages on the next page, each with its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
