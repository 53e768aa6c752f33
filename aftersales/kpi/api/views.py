"""KPIs under /api/v1/kpi/."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.core import clock
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.kpi import measures, rollups, scorecards


class PeriodQuery(serializers.Serializer):
    to = serializers.DateField(required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.DateField(required=False)
        for name in measures.SLICES:
            self.fields[name] = serializers.CharField(required=False, max_length=80)


def period_from(request: Request) -> tuple[measures.Period, dict[str, str]]:
    query = PeriodQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    today = clock.today()
    last = data.get("to") or today
    first = data.get("from") or last.replace(day=1)
    if last < first:
        raise ValidationFailed(_("The period must not end before it starts."), field="to")
    if (last - first).days > 3660:
        raise ValidationFailed(_("Choose a period of at most ten years."), field="from")
    slices = {k: data[k] for k in measures.SLICES if data.get(k)}
    return measures.Period(first, last), slices


PARAMS = [OpenApiParameter("from", str), OpenApiParameter("to", str)] + [
    OpenApiParameter(name, str) for name in measures.SLICES
]


class SummaryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PARAMS, responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        """Every measure for the cases reported in the period (default: this month so far)."""
        if not getattr(request.user, "is_service_staff", False):
            raise NotAllowed("")
        period, slices = period_from(request)
        body = rollups.summary(period=period, slices=slices)
        body["backlog"] = measures.backlog(now=clock.now())
        body["parts"] = measures.parts_summary(period=period, slices=slices)
        return Response(body)


class ScorecardsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=PARAMS[:2],
        responses={200: {"type": "array", "items": {"type": "object"}}},
        operation_id="kpi_scorecards_list",
    )
    def get(self, request: Request) -> Response:
        """The scorecards the requester may read (engineers: their own; supervisors: their
        region's and teams'; administrators and service directors: all)."""
        period, _slices = period_from(request)
        people = scorecards.engineers_visible_to(request.user)
        return Response([scorecards.scorecard(engineer=e, period=period) for e in people[:500]])


class ScorecardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PARAMS[:2], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, username: str) -> Response:
        period, _slices = period_from(request)
        engineer = scorecards.engineers_visible_to(request.user).filter(username=username).first()
        if engineer is None:
            raise Http404
        return Response(scorecards.scorecard(engineer=engineer, period=period))
