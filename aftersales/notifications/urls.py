"""This app's pages (included by aftersales/config/urls.py under /notifications/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.preferences, name="preferences"),
]
