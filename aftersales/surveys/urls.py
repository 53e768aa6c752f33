"""Survey pages (included at /surveys/)."""

from django.urls import path

from aftersales.surveys import views

app_name = "surveys"

urlpatterns = [
    path("follow-ups/", views.follow_ups, name="follow-ups"),
    path("follow-ups/<int:pk>/call/", views.follow_up_call, name="follow-up-call"),
    path("<str:token>/", views.survey, name="survey"),
]
