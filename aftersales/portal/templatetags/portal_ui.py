"""Portal markup built in Python where a template would repeat it once per row.

The portal's case list shows up to 200 rows; with the template language each row cost a URL
reverse, a translated status label (looked up through the choices on every call), a date filter
and a badge tag. As console_ui does for the console's queues, the rows are built here with
``format_html_join``, which escapes every value; the page keeps the same HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

from aftersales.cases.choices import CaseStatus

register = template.Library()

_PLAIN_NUMBER = re.compile(r"[A-Za-z0-9_-]+")  # case numbers that need no quoting in a URL
_MARK = "0PLACEHOLDER0"


def _short_datetime(value: datetime | None) -> str:
    """Return ``value`` as ``{{ value|date:"SHORT_DATETIME_FORMAT" }}`` renders it."""
    if value is None:
        return ""
    return date_format(template_localtime(value), "SHORT_DATETIME_FORMAT")


@register.simple_tag
def portal_case_rows(rows: Iterable[tuple[Any, ...]]) -> SafeString:
    """Return the ``<tr>`` of each ``(number, reported_at, severity, status, summary, serial)``
    row of the portal's case list (as portal/home.html showed them with the template language).
    """
    # One reverse for the page; the number goes where the placeholder was.
    prefix, _sep, suffix = reverse("portal:case", args=[_MARK]).partition(_MARK)
    labels = {value: str(label) for value, label in CaseStatus.choices}

    def url(number: str) -> str:
        if _PLAIN_NUMBER.fullmatch(number):
            return f"{prefix}{number}{suffix}"
        return reverse("portal:case", args=[number])

    return format_html_join(
        "\n",
        '<tr data-row-link><td class="num"><a href="{}">{}</a></td>\n'
        '      <td>{}</td><td><span class="badge sev-{}">{}</span></td>\n'
        '      <td><span class="badge">{}</span></td><td>{}</td><td class="wide">{}</td></tr>',
        (
            (
                url(number),
                number,
                _short_datetime(reported_at),
                severity,
                severity,
                labels.get(status, status),
                summary,
                serial or "—",
            )
            for number, reported_at, severity, status, summary, serial in rows
        ),
    )
