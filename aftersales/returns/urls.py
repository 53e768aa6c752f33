"""This app's pages (included by aftersales/config/urls.py at /returns/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.returns import views

app_name = "returns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views.request_new, name="new"),
    path("cases/<str:number>/details/", views.details, name="details"),
    path("cases/<str:number>/<str:step>/", views.step, name="step"),
]
