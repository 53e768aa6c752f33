"""Field-service pages (included at /field/)."""

from django.urls import path

from aftersales.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.my_visits, name="my-visits"),
    path("oncall/", views.oncall, name="oncall"),
    path("cases/<str:number>/dispatch/", views.dispatch, name="dispatch"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/<str:step>/", views.visit_step, name="visit-step"),
]
