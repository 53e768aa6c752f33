"""Surveys, campaigns and follow-ups under /api/v1/."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.selectors import case_list_visible_to
from aftersales.core.errors import NotAllowed
from aftersales.customers.models import Region
from aftersales.surveys import selectors, services
from aftersales.surveys.models import Campaign, FollowUp, Questionnaire, Survey


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField(source="question.code")
    score = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()


class SurveySerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", allow_null=True, default=None)
    customer = serializers.CharField(source="customer.code")
    answers = AnswerSerializer(many=True, read_only=True)
    engineers = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "case",
            "customer",
            "status",
            "sent_at",
            "reminded_at",
            "expires_at",
            "answered_at",
            "overall",
            "comment",
            "engineers",
            "answers",
        ]


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    questionnaire = serializers.SlugRelatedField(
        slug_field="code", queryset=Questionnaire.objects.filter(is_active=True)
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    product_line = serializers.CharField(max_length=40, required=False, allow_blank=True)


class CampaignResultSerializer(serializers.Serializer):
    surveys = serializers.IntegerField()
    answered = serializers.IntegerField()
    questions = serializers.ListField(child=serializers.DictField())


class FollowUpSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="survey.customer.code")
    case = serializers.CharField(source="survey.case.number", allow_null=True, default=None)
    overall = serializers.IntegerField(source="survey.overall")
    assigned_to = serializers.CharField(
        source="assigned_to.username", allow_null=True, default=None
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "customer",
            "case",
            "overall",
            "assigned_to",
            "created_at",
            "closed_at",
            "outcome",
        ]


class CallInputSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=5000)
    close = serializers.BooleanField(default=False)


def _staff(request: Request) -> None:
    if not has_capability(request.user, Capability.WORK_CASES):
        raise NotAllowed("")


class CaseSurveyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SurveySerializer)
    def get(self, request: Request, number: str) -> Response:
        """The satisfaction survey of a case and its answers."""
        case = case_list_visible_to(user=request.user).filter(number=number).first()
        survey = Survey.objects.filter(case=case).first() if case is not None else None
        if survey is None:
            raise Http404
        return Response(SurveySerializer(survey).data)


class CampaignsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignResultSerializer})
    def post(self, request: Request) -> Response:
        """Launch a campaign to every customer of a region and/or product line."""
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_launch(by=request.user, **data.validated_data)
        body = {"id": campaign.pk, **selectors.campaign_results(campaign=campaign)}
        return Response(body, status=status.HTTP_201_CREATED)


class CampaignResultsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CampaignResultSerializer)
    def get(self, request: Request, pk: int) -> Response:
        _staff(request)
        campaign = Campaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise Http404
        return Response(selectors.campaign_results(campaign=campaign))


class FollowUpsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FollowUpSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Open follow-ups of low scores."""
        _staff(request)
        return Response(
            FollowUpSerializer(selectors.open_follow_ups(user=request.user), many=True).data
        )


class FollowUpCallView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CallInputSerializer, responses=FollowUpSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """Log a call (``close``: the follow-up ends with it)."""
        follow_up = FollowUp.objects.filter(pk=pk).first()
        # Follow-ups are staff work: anyone else finds none (404, before the body is read).
        if follow_up is None or not has_capability(request.user, Capability.WORK_CASES):
            raise Http404
        data = CallInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.follow_up_call(follow_up=follow_up, by=request.user, **data.validated_data)
        follow_up.refresh_from_db()
        return Response(FollowUpSerializer(follow_up).data)


class VisitSurveyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SurveySerializer)
    def post(self, request: Request, pk: int) -> Response:
        """Start the visit questionnaire of a finished visit (answer it at ``url``)."""
        from aftersales.dispatch.models import Visit

        visit = (
            Visit.objects.filter(pk=pk, case__in=case_list_visible_to(user=request.user))
            .select_related("case__customer", "case__contact")
            .first()
        )
        if visit is None:
            raise Http404
        survey = services.visit_survey_start(visit=visit, by=request.user)
        return Response({**SurveySerializer(survey).data, "url": services.survey_url(survey)})
