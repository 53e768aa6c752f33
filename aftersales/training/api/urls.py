"""Training under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path

from aftersales.training.api import views

urlpatterns = [
    path("training/staff/", views.StaffTrainingView.as_view(), name="training-staff"),
    path("training/sessions/", views.SessionsView.as_view(), name="training-sessions"),
]
