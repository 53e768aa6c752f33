"""Service reports under /api/v1/: list and draft on a case, edit, sign, addenda, the PDF."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.cases.models import Case
from aftersales.cases.selectors import case_list_visible_to
from aftersales.core.errors import ValidationFailed
from aftersales.dispatch.models import Visit
from aftersales.servicereports import selectors, services
from aftersales.servicereports.api.serializers import (
    AddendumInputSerializer,
    AddendumSerializer,
    ReportCreateSerializer,
    ReportFieldsSerializer,
    ReportSerializer,
    SignSerializer,
)
from aftersales.servicereports.models import ServiceReport
from aftersales.servicereports.pdf import pdf_response


def _case(request: Request, number: str) -> Case:
    case = case_list_visible_to(user=request.user).filter(number=number).first()
    if case is None:
        raise Http404
    return case


def _report(request: Request, pk: int) -> ServiceReport:
    report = selectors.report_visible_to(user=request.user, pk=pk)
    if report is None:
        raise Http404
    return report


def _fresh(request: Request, pk: int) -> dict:
    return ReportSerializer(_report(request, pk)).data


class CaseReportsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        """The case's service reports (customers: signed ones of their own organisation)."""
        case = _case(request, number)
        reports = selectors.case_reports(case=case, user=request.user)
        return Response(ReportSerializer(reports, many=True).data)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def post(self, request: Request, number: str) -> Response:
        """Start a draft (staff), for one finished visit of the case if ``visit`` is given;
        prefilled from the visit and the case, the fields given override the prefill."""
        case = _case(request, number)
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        visit_id = fields.pop("visit", None)
        visit = None
        if visit_id is not None:
            visit = Visit.objects.filter(pk=visit_id, case=case).first()
            if visit is None:
                raise ValidationFailed(_no_visit(), field="visit")
        if "parts" in fields:
            fields["parts"] = [dict(p) for p in fields["parts"]]
        report = services.report_create(case=case, by=request.user, visit=visit, **fields)
        return Response(_fresh(request, report.pk), status=status.HTTP_201_CREATED)


def _no_visit() -> str:
    from django.utils.translation import gettext as _

    return _("No such visit on this case.")


class ReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_fresh(request, pk))

    @extend_schema(request=ReportFieldsSerializer, responses=ReportSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        """Change fields of a draft (409 once signed)."""
        report = _report(request, pk)
        data = ReportFieldsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "parts" in fields:
            fields["parts"] = [dict(p) for p in fields["parts"]]
        services.report_update(report=report, by=request.user, **fields)
        return Response(_fresh(request, pk))


class SignView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SignSerializer, responses=ReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """The customer's confirmation: name and a signature drawn on the screen (PNG data URL)."""
        report = _report(request, pk)
        data = SignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_sign(report=report, by=request.user, **data.validated_data)
        return Response(_fresh(request, pk))


class AddendaView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AddendumInputSerializer, responses={201: AddendumSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Append a correction to a signed report (staff)."""
        report = _report(request, pk)
        data = AddendumInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = services.addendum_add(
            report=report, by=request.user, text=data.validated_data["text"]
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


class PdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        """The signed report as PDF, with every addendum so far (404 for drafts)."""
        return pdf_response(_report(request, pk))
