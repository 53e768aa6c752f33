from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.returns import selectors, services
from aftersales.returns.api.serializers import (
    ExchangeSerializer,
    InspectSerializer,
    NoteSerializer,
    OverrideSerializer,
    ReceiveSerializer,
    RefundSerializer,
    RejectSerializer,
    ReturnRequestCreateSerializer,
    ReturnRequestSerializer,
)
from aftersales.returns.filters import ReturnRequestFilterSet


class ReturnRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Return and exchange requests, addressed by their case number; one POST per step."""

    serializer_class = ReturnRequestSerializer
    lookup_field = "case__number"
    lookup_url_kwarg = "number"
    lookup_value_regex = r"[A-Za-z0-9_-]{1,32}"
    filterset_class = ReturnRequestFilterSet
    http_method_names = ["get", "post", "head", "options"]
    cursor_ordering = "-id"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.return_list_visible_to(user=self.request.user)

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(request=ReturnRequestCreateSerializer, responses={201: ReturnRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReturnRequestCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        rr = services.return_request_create(by=request.user, **serializer.validated_data)
        response = Response(self.get_serializer(rr).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{rr.case.number}/"
        return response

    def _step(self, request: Request, serializer_class: type, service: Any) -> Response:
        rr = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        rr = service(rr=rr, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=rr.pk)).data)

    @extend_schema(request=OverrideSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request: Request, number: str | None = None) -> Response:
        """Override the policy's eligibility decision with a reason (supervisors)."""
        return self._step(request, OverrideSerializer, services.return_override)

    @extend_schema(request=NoteSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, number: str | None = None) -> Response:
        """Approve and issue the RMA number (supervisors)."""
        return self._step(request, NoteSerializer, services.return_approve)

    @extend_schema(request=RejectSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, number: str | None = None) -> Response:
        """Reject with a reason the customer sees (supervisors)."""
        return self._step(request, RejectSerializer, services.return_reject)

    @extend_schema(request=ReceiveSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, number: str | None = None) -> Response:
        """Record the receipt of the goods."""
        return self._step(request, ReceiveSerializer, services.return_receive)

    @extend_schema(request=InspectSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def inspect(self, request: Request, number: str | None = None) -> Response:
        """Record the inspection: passed, or failed with findings."""
        return self._step(request, InspectSerializer, services.return_inspect)

    @extend_schema(request=RefundSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, number: str | None = None) -> Response:
        """Record the refund and resolve the case."""
        return self._step(request, RefundSerializer, services.return_refund)

    @extend_schema(request=ExchangeSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def exchange(self, request: Request, number: str | None = None) -> Response:
        """Record the replacement sent and resolve the case."""
        return self._step(request, ExchangeSerializer, services.return_exchange)
