from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.accounts.permissions import Capability, RoleWritePermission
from aftersales.calendars import selectors, services
from aftersales.calendars.api.serializers import (
    CalendarSerializer,
    DueAnswerSerializer,
    DueQuerySerializer,
    ElapsedAnswerSerializer,
    ElapsedQuerySerializer,
    ImportSerializer,
)
from aftersales.core.api import ServiceViewSet

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class CalendarViewSet(ServiceViewSet):
    """Business calendars, and working-time arithmetic on them (``due``, ``elapsed``)."""

    serializer_class = CalendarSerializer
    lookup_field = "code"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CONFIG
    cursor_ordering = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.calendar_list()

    def perform_create(self, serializer):  # type: ignore[no-untyped-def]
        serializer.instance = services.calendar_create(
            by=self.request.user, **serializer.to_service_data()
        )

    def perform_update(self, serializer):  # type: ignore[no-untyped-def]
        calendar = services.calendar_update(
            by=self.request.user, calendar=serializer.instance, data=serializer.to_service_data()
        )
        serializer.instance = self.get_queryset().get(pk=calendar.pk)

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action in ("due", "elapsed", "export"):
            from rest_framework.permissions import IsAuthenticated

            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("hours", OpenApiTypes.NUMBER, required=True),
        ],
        responses=DueAnswerSerializer,
    )
    @action(detail=True, methods=["get"])
    def due(self, request: Request, code: str | None = None) -> Response:
        """Return the instant at which ``hours`` working hours have elapsed from ``start``."""
        calendar = self.get_object()
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        seconds = round(query.validated_data["hours"] * 3600)
        try:
            answer = selectors.calendar_due(
                calendar, start=query.validated_data["start"], seconds=seconds
            )
        except ValueError as exc:
            raise exceptions.ValidationError({"hours": [str(exc)]}) from exc
        data = {"due_at": answer.due_at, "calendar": calendar.code, "warnings": answer.warnings}
        return Response(DueAnswerSerializer(data).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("end", OpenApiTypes.DATETIME, required=True),
        ],
        responses=ElapsedAnswerSerializer,
    )
    @action(detail=True, methods=["get"])
    def elapsed(self, request: Request, code: str | None = None) -> Response:
        """Return the working seconds between ``start`` and ``end``."""
        calendar = self.get_object()
        query = ElapsedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        if end < start:
            raise exceptions.ValidationError({"end": [_("The end must not be before the start.")]})
        try:
            seconds, warnings = selectors.calendar_elapsed(calendar, start=start, end=end)
        except ValueError as exc:
            raise exceptions.ValidationError({"end": [str(exc)]}) from exc
        data = {
            "seconds": seconds,
            "hours": round(seconds / 3600, 4),
            "calendar": calendar.code,
            "warnings": warnings,
        }
        return Response(ElapsedAnswerSerializer(data).data)

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "ics"])],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "text/calendar"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request: Request, code: str | None = None) -> HttpResponse:
        """Download the holidays and make-up days as CSV (default) or iCalendar (``format=ics``)."""
        calendar = self.get_object()
        kind = request.query_params.get("format", "csv")
        if kind == "ics":
            response = HttpResponse(
                services.calendar_export_ical(calendar=calendar), content_type="text/calendar"
            )
            response["Content-Disposition"] = f'attachment; filename="{calendar.code}.ics"'
        elif kind == "csv":
            response = HttpResponse(
                services.calendar_export_csv(calendar=calendar),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="{calendar.code}.csv"'
        else:
            raise exceptions.ValidationError({"format": [_("Choose csv or ics.")]})
        return response

    @extend_schema(
        request={"multipart/form-data": ImportSerializer}, responses={200: OpenApiTypes.OBJECT}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_days(self, request: Request, code: str | None = None) -> Response:
        """Import holidays and make-up days from a CSV (``date,kind,name``) or iCalendar file."""
        calendar = self.get_object()
        upload = ImportSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        if file.size > MAX_IMPORT_BYTES:
            raise exceptions.ValidationError({"file": [_("The file is larger than 2 MB.")]})
        result = services.calendar_import(
            by=request.user, calendar=calendar, content=file.read(), filename=file.name
        )
        return Response(result, status=status.HTTP_200_OK)
