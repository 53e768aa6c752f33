"""KPI pages (included at /kpi/)."""

from django.urls import path

from aftersales.kpi import views

app_name = "kpi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scorecards/", views.scorecards_page, name="scorecards"),
    path("support/", views.support, name="support"),
]
