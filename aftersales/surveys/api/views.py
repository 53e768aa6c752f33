from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.cases.selectors import case_list_visible_to
from aftersales.core.api import BoundedDateTimeField
from aftersales.surveys.models import Rating
from aftersales.surveys.services import case_rate


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    rated_by = serializers.CharField(source="rated_by.username", read_only=True, default=None)
    created_at = BoundedDateTimeField(read_only=True)


class CaseRatingView(APIView):
    """The customer's rating of a resolved case: read it, or give it (customer contacts, once)."""

    serializer_class = RatingSerializer

    def _case(self, request: Request, number: str):  # type: ignore[no-untyped-def]
        case = case_list_visible_to(user=request.user).filter(number=number).first()
        if case is None:
            raise exceptions.NotFound()
        return case

    @extend_schema(responses=RatingSerializer)
    def get(self, request: Request, number: str) -> Response:
        rating = (
            Rating.objects.select_related("rated_by")
            .filter(case=self._case(request, number))
            .first()
        )
        if rating is None:
            raise exceptions.NotFound()
        return Response(RatingSerializer(rating).data)

    @extend_schema(request=RatingSerializer, responses={201: RatingSerializer})
    def post(self, request: Request, number: str) -> Response:
        case = self._case(request, number)
        serializer = RatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = case_rate(case=case, by=request.user, **serializer.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
