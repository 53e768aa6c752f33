"""The export file of the audit trail: filters read from a query string, CSV or Excel out."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from aftersales.audit.selectors import AuditFilter, export_rows, header
from aftersales.core.errors import ValidationFailed
from aftersales.exports.registry import Table
from aftersales.exports.writers import CONTENT_TYPES, render

FORMATS = ("csv", "xlsx")


def _date(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> Any:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def filter_from(params: Mapping[str, Any]) -> AuditFilter:
    """Read ``case`` (number), ``user`` (username), ``object_type``, ``object_id``, ``since``
    and ``until`` (dates, inclusive) from ``params``.

    Raises ValidationFailed naming each bad parameter (an unknown case or user is one).
    """
    from aftersales.accounts.models import User
    from aftersales.cases.models import Case

    errors: dict[str, list[str]] = {}
    case = user = None
    number = (params.get("case") or "").strip()
    if number:
        case = Case.objects.filter(number=number).first()
        if case is None:
            errors["case"] = [_("No case has this number.")]
    username = (params.get("user") or "").strip()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            errors["user"] = [_("No user has this name.")]
    object_type = (params.get("object_type") or "").strip().lower()[:100]
    object_id = (params.get("object_id") or "").strip()[:64]
    since, until = _date(params, "since", errors), _date(params, "until", errors)
    if since and until and since > until:
        errors["until"] = [_("The end of the period is before its start.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return AuditFilter(
        case=case,
        user=user,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )


def export_file(flt: AuditFilter, fmt: str) -> tuple[bytes, str, str]:
    """Return the file's bytes, its content type and its name."""
    if fmt not in FORMATS:
        raise ValidationFailed(_("Choose csv or xlsx."), field="format")
    rows = list(export_rows(flt))
    table = Table(name=_("Audit trail"), header=header(), rows=rows, total=len(rows))
    return render([table], fmt), CONTENT_TYPES[fmt], f"audit-trail.{fmt}"
