"""This app's pages (included by aftersales/config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.mailin import views

app_name = "mailin"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.status, name="status"),
    path("messages/<int:pk>/retry/", views.retry, name="retry"),
]
