"""This app's pages (included by aftersales/config/urls.py at /complaints/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.complaints import views

app_name = "complaints"

urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views.complaint_new, name="new"),
    path("cases/<str:number>/details/", views.details, name="details"),
    path("cases/<str:number>/<str:step>/", views.step, name="step"),
]
