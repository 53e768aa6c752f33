"""Field-service pages (included at /field/)."""

from django.urls import path

from aftersales.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.my_visits, name="my-visits"),
    path("oncall/", views.oncall, name="oncall"),
    path("loans/", views.loans, name="loans"),
    path("engineers/<str:username>/", views.engineer, name="engineer"),
    path("cases/<str:number>/dispatch/", views.dispatch, name="dispatch"),
    path(
        "cases/<str:number>/checklist/<int:pk>/tick/",
        views.checklist_tick,
        name="checklist-tick",
    ),
    path("cases/<str:number>/acceptance/", views.acceptance, name="acceptance"),
    path("cases/<str:number>/loans/", views.loan_issue, name="loan-issue"),
    path("loans/<int:pk>/return/", views.loan_return, name="loan-return"),
    path("visits/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/<str:step>/", views.visit_step, name="visit-step"),
]
