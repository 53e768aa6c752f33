"""Surveys under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path

from aftersales.surveys.api import survey_views as views

urlpatterns = [
    path("cases/<str:number>/survey/", views.CaseSurveyView.as_view(), name="case-survey"),
    path("surveys/campaigns/", views.CampaignsView.as_view(), name="survey-campaigns"),
    path(
        "surveys/campaigns/<int:pk>/results/",
        views.CampaignResultsView.as_view(),
        name="survey-campaign-results",
    ),
    path("visits/<int:pk>/survey/", views.VisitSurveyView.as_view(), name="visit-survey"),
    path("surveys/follow-ups/", views.FollowUpsView.as_view(), name="survey-follow-ups"),
    path(
        "surveys/follow-ups/<int:pk>/calls/",
        views.FollowUpCallView.as_view(),
        name="survey-follow-up-calls",
    ),
]
