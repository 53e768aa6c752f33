from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.complaints import selectors, services
from aftersales.complaints.api.serializers import (
    AgainstQuerySerializer,
    AnswerSerializer,
    CompensationDecisionSerializer,
    CompensationSerializer,
    ComplaintCreateSerializer,
    ComplaintSerializer,
    ConcludeSerializer,
    InvestigateSerializer,
    SubjectSerializer,
)
from aftersales.complaints.filters import ComplaintFilterSet


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints, addressed by their case number; one POST per step of their handling."""

    serializer_class = ComplaintSerializer
    lookup_field = "case__number"
    lookup_url_kwarg = "number"
    lookup_value_regex = r"[A-Za-z0-9_-]{1,32}"
    filterset_class = ComplaintFilterSet
    http_method_names = ["get", "post", "head", "options"]
    cursor_ordering = "-id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.complaint_list_visible_to(user=self.request.user)

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ComplaintCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_create(by=request.user, **serializer.validated_data)
        response = Response(self.get_serializer(complaint).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{complaint.case.number}/"
        return response

    def _step(self, request: Request, serializer_class: type, service: Any) -> Response:
        complaint = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = service(complaint=complaint, by=request.user, **serializer.validated_data)
        fresh = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=SubjectSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def subject(self, request: Request, number: str | None = None) -> Response:
        """Correct what the complaint is about (staff)."""
        return self._step(request, SubjectSerializer, services.complaint_subject_set)

    @extend_schema(request=InvestigateSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request: Request, number: str | None = None) -> Response:
        """Write investigation notes (internal) and the root cause (staff)."""
        return self._step(request, InvestigateSerializer, services.complaint_investigate)

    @extend_schema(request=ConcludeSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, number: str | None = None) -> Response:
        """Decide whether the company was at fault (supervisors)."""
        return self._step(request, ConcludeSerializer, services.complaint_conclude)

    @extend_schema(request=CompensationSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def compensation(self, request: Request, number: str | None = None) -> Response:
        """Propose compensation for an upheld complaint (staff)."""
        return self._step(request, CompensationSerializer, services.complaint_compensation_request)

    @extend_schema(request=CompensationDecisionSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="compensation-decision")
    def compensation_decision(self, request: Request, number: str | None = None) -> Response:
        """Approve or refuse the proposed compensation (supervisors)."""
        return self._step(
            request, CompensationDecisionSerializer, services.complaint_compensation_decide
        )

    @extend_schema(request=AnswerSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, number: str | None = None) -> Response:
        """Answer the customer and resolve the case (staff)."""
        return self._step(request, AnswerSerializer, services.complaint_answer)

    @extend_schema(
        parameters=[
            OpenApiParameter("person", str, required=True),
            OpenApiParameter("from", str, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="YYYY-MM-DD, inclusive"),
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def against(self, request: Request) -> Response:
        """Count the complaints about a member of staff in a period, by outcome (staff only)."""
        ensure_capability(request.user, Capability.VIEW_ALL)
        query = AgainstQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        counts = selectors.complaints_against(data["person"], (data["from"], data["to"]))
        return Response(
            {
                "person": data["person"].username,
                "from": data["from"].isoformat(),
                "to": data["to"].isoformat(),
                **asdict(counts),
            }
        )
