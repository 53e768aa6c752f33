"""The audit page (included at /audit/)."""

from django.urls import path

from aftersales.audit import views

app_name = "audit"

urlpatterns = [path("", views.audit_page, name="trail")]
