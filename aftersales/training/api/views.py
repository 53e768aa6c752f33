"""Training under /api/v1/training/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts.selectors import scope_to_user
from aftersales.core.errors import NotAllowed
from aftersales.training import services
from aftersales.training.api.serializers import SessionSerializer, StaffTrainingSerializer
from aftersales.training.models import CustomerTrainingSession, StaffTraining


class StaffTrainingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StaffTrainingSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Staff training records (staff only; ``?user=`` filters)."""
        if not getattr(request.user, "is_service_staff", False):
            raise NotAllowed("")
        rows = StaffTraining.objects.select_related("user", "course").order_by("-held_on")
        if request.query_params.get("user"):
            rows = rows.filter(user__username=request.query_params["user"])
        return Response(StaffTrainingSerializer(rows[:500], many=True).data)

    @extend_schema(request=StaffTrainingSerializer, responses={201: StaffTrainingSerializer})
    def post(self, request: Request) -> Response:
        data = StaffTrainingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.staff_training_record(by=request.user, **data.validated_data)
        return Response(StaffTrainingSerializer(row).data, status=status.HTTP_201_CREATED)


class SessionsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Customer training sessions (customers: their own organisation's)."""
        rows = scope_to_user(
            CustomerTrainingSession.objects.select_related("course", "customer").prefetch_related(
                "attendees"
            ),
            user=request.user,
            customer_path="customer_id",
        ).order_by("-held_on")
        return Response(SessionSerializer(rows[:500], many=True).data)

    @extend_schema(request=SessionSerializer, responses={201: SessionSerializer})
    def post(self, request: Request) -> Response:
        data = SessionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        attendees = [dict(a) for a in values.pop("attendees")]
        session = services.customer_session_record(by=request.user, attendees=attendees, **values)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)
