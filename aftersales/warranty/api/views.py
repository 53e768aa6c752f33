"""Warranty claims and quotes under /api/v1/ (see docs/API.md)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.cases.models import Case
from aftersales.warranty import selectors, services
from aftersales.warranty.api.serializers import (
    ClaimAssessmentSerializer,
    ClaimDecisionInputSerializer,
    QuoteAnswerInputSerializer,
    QuoteSerializer,
    RemedyDoneInputSerializer,
)


def _case(request: Request, number: str) -> Case:
    case = selectors.case_visible(user=request.user, number=number)
    if case is None:
        raise Http404
    return case


class ClaimView(APIView):
    """The claim assessment of a warranty-claim case; POST records (or revises) the decision."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ClaimAssessmentSerializer)
    def get(self, request: Request, number: str) -> Response:
        case = _case(request, number)
        if case.case_type != "warranty_claim":
            raise Http404
        assessment = selectors.claim_assessment(case=case)
        if assessment is None:
            in_warranty, end = services.claim_warranty_on_report(case)
            return Response(
                {
                    "case": case.number,
                    "decision": None,
                    "warranty_active": in_warranty,
                    "warranty_end": end.isoformat() if end else None,
                }
            )
        return Response(ClaimAssessmentSerializer(assessment, context={"request": request}).data)

    @extend_schema(request=ClaimDecisionInputSerializer, responses={201: ClaimAssessmentSerializer})
    def post(self, request: Request, number: str) -> Response:
        case = _case(request, number)
        data = ClaimDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.claim_decide(case=case, by=request.user, **data.validated_data)
        return Response(
            ClaimAssessmentSerializer(
                selectors.claim_assessment(case=assessment.case), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED if assessment.revision == 1 else status.HTTP_200_OK,
        )


class RemedyDoneView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RemedyDoneInputSerializer, responses=ClaimAssessmentSerializer)
    def post(self, request: Request, number: str) -> Response:
        """Record that the decided remedy was carried out (meets the remedy clock)."""
        case = _case(request, number)
        data = RemedyDoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.claim_remedy_done(case=case, by=request.user, **data.validated_data)
        return Response(ClaimAssessmentSerializer(assessment, context={"request": request}).data)


class CaseQuotesView(APIView):
    """A case's quotes; POST sends a new one (staff)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=QuoteSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        case = _case(request, number)
        return Response(QuoteSerializer(selectors.case_quotes(case=case), many=True).data)

    @extend_schema(request=QuoteSerializer, responses={201: QuoteSerializer})
    def post(self, request: Request, number: str) -> Response:
        case = _case(request, number)
        data = QuoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = services.quote_create(
            case=case,
            by=request.user,
            lines=[dict(line) for line in data.validated_data["lines"]],
            note=data.validated_data.get("note", ""),
            valid_days=data.validated_data.get("valid_days"),
        )
        fresh = selectors.quote_visible(user=request.user, number=quote.number)
        return Response(QuoteSerializer(fresh).data, status=status.HTTP_201_CREATED)


class QuoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=QuoteSerializer)
    def get(self, request: Request, number: str) -> Response:
        quote = selectors.quote_visible(user=request.user, number=number)
        if quote is None:
            raise Http404
        return Response(QuoteSerializer(quote).data)


class QuoteAnswerView(APIView):
    """The customer accepts (``accept/``) or declines (``decline/``) a quote."""

    permission_classes = [IsAuthenticated]
    accept = True

    @extend_schema(request=QuoteAnswerInputSerializer, responses=QuoteSerializer)
    def post(self, request: Request, number: str) -> Response:
        quote = selectors.quote_visible(user=request.user, number=number)
        if quote is None:
            raise Http404
        data = QuoteAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_decide(
            quote=quote, by=request.user, accept=self.accept, **data.validated_data
        )
        return Response(
            QuoteSerializer(selectors.quote_visible(user=request.user, number=number)).data
        )
