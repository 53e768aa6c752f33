"""KPIs under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path

from aftersales.kpi.api import views

urlpatterns = [
    path("kpi/summary/", views.SummaryView.as_view(), name="kpi-summary"),
    path("kpi/scorecards/", views.ScorecardsView.as_view(), name="kpi-scorecards"),
    path("kpi/scorecards/<str:username>/", views.ScorecardView.as_view(), name="kpi-scorecard"),
]
