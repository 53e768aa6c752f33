"""Software releases under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path

from aftersales.releases.api import views

urlpatterns = [
    path("releases/", views.ReleasesView.as_view(), name="releases"),
    path("releases/<int:pk>/publish/", views.PublishView.as_view(), name="release-publish"),
    path("releases/<int:pk>/notices/", views.NoticesView.as_view(), name="release-notices"),
]
