"""Console markup built in Python where a template would repeat it many times per page.

A queue page shows dozens of rows and the filter form a hundred options; built with the template
language, each variable costs a context look-up and each string a translation look-up. As Django's
admin does for its change list, the cells are built here with ``format_html``, which escapes
every value; the markup stays in one place and the pages keep the same HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from aftersales.core.templatetags.aftersales_ui import due_cell

register = template.Library()


@register.simple_tag
def queue_rows(rows: Iterable[Any], cases_url: str) -> SafeString:
    """Return the ``<tr>`` of each case of a queue page (as console/_case_rows.html shows)."""
    return format_html_join(
        "\n",
        '<tr data-row-link><td class="num"><a href="{}{}/">{}</a></td>'
        '<td><span class="badge sev-{}">{}</span></td>'
        '<td><span class="badge">{}</span></td>'
        "<td>{}</td>"
        '<td class="wide">{}</td><td class="wide">{}</td><td class="wide">{}</td>'
        "<td>{}</td></tr>",
        (
            (
                cases_url,
                case.number,
                case.number,
                case.severity,
                case.severity,
                getattr(case, "status_label", case.status),
                case.summary,
                case.customer.name,
                case.asset.serial_number if case.asset_id else "—",
                getattr(case, "assignee_username", None) or "—",
                due_cell(case.sla_due_at, case.sla_state),
            )
            for case in rows
        ),
    )


@register.simple_tag
def select_options(choices: Iterable[Sequence[Any]], selected: Iterable[Any]) -> SafeString:
    """Return the ``<option>`` of each ``(value, label)``, marking those in ``selected``."""
    chosen = {str(value) for value in selected or ()}
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) in chosen else "", label) for value, label in choices),
    )
