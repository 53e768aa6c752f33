"""The administrators' audit page: filter, look at the latest entries, export CSV or Excel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.audit import exporting
from aftersales.audit.selectors import AuditFilter, audit_entries, can_read_audit
from aftersales.core.downloads import download_response
from aftersales.core.errors import ValidationFailed


@login_required
def audit_page(request: HttpRequest) -> HttpResponse:
    """Administrators only (others: 403)."""
    if not can_read_audit(request.user):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    try:
        flt = exporting.filter_from(request.GET)
    except ValidationFailed as exc:
        errors = exc.as_data()
        flt = AuditFilter()
    fmt = request.GET.get("format", "")
    if fmt and not errors:
        try:
            content, content_type, name = exporting.export_file(flt, fmt)
        except ValidationFailed as exc:
            errors = exc.as_data()
        else:
            return download_response(content, filename=name, content_type=content_type)  # type: ignore[return-value]
    entries = [] if errors else list(audit_entries(flt)[:50])
    return render(
        request,
        "audit/audit.html",
        {"nav": "audit", "entries": entries, "errors": errors, "params": request.GET},
        status=400 if errors else 200,
    )
