"""The audit trail's export in the API: administrators only."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from aftersales.audit import exporting
from aftersales.audit.selectors import can_read_audit
from aftersales.core.downloads import download_response

_PARAMS = [
    OpenApiParameter("format", OpenApiTypes.STR, enum=list(exporting.FORMATS)),
    OpenApiParameter("case", OpenApiTypes.STR, description="Case number: its timeline."),
    OpenApiParameter("user", OpenApiTypes.STR, description="Username: what they did, and to them."),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="e.g. sla.slapolicy"),
    OpenApiParameter("object_id", OpenApiTypes.STR),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Inclusive."),
]


class AuditExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="audit_export",
        parameters=_PARAMS,
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """Export the audit trail (configuration and user changes, sign-ins, case timelines)
        as CSV (default) or Excel, filtered by case, user, object and period."""
        if not can_read_audit(request.user):
            raise PermissionDenied
        flt = exporting.filter_from(request.query_params)
        content, content_type, name = exporting.export_file(
            flt, request.query_params.get("format", "csv")
        )
        return download_response(content, filename=name, content_type=content_type)  # type: ignore[return-value]
