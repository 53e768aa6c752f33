"""The survey panel on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.core.panels import has_rows, track
from aftersales.surveys.models import Survey

track(Survey)


def _survey(case: Any) -> Survey | None:
    if not has_rows(case, Survey):
        return None
    return (
        Survey.objects.filter(case=case)
        .prefetch_related("answers__question", "engineers")
        .select_related("follow_up")
        .first()
    )


def console_panel(request: HttpRequest, case: Any) -> str | None:
    survey = _survey(case)
    if survey is None:
        return None
    return render_to_string(
        "surveys/panel.html", {"survey": survey, "staff": True}, request=request
    )


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    survey = _survey(case)
    if survey is None:
        return None
    return render_to_string(
        "surveys/panel.html", {"survey": survey, "staff": False}, request=request
    )
