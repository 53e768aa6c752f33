"""Field service under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path

from aftersales.dispatch.api import views

urlpatterns = [
    path(
        "cases/<str:number>/dispatch-candidates/",
        views.CandidatesView.as_view(),
        name="case-dispatch-candidates",
    ),
    path("cases/<str:number>/dispatch/", views.DispatchView.as_view(), name="case-dispatch"),
    path("cases/<str:number>/visits/", views.CaseVisitsView.as_view(), name="case-visits"),
    path("cases/<str:number>/checklist/", views.ChecklistView.as_view(), name="case-checklist"),
    path(
        "cases/<str:number>/checklist/<int:pk>/tick/",
        views.ChecklistTickView.as_view(),
        name="case-checklist-tick",
    ),
    path("cases/<str:number>/acceptance/", views.AcceptanceView.as_view(), name="case-acceptance"),
    path("cases/<str:number>/loans/", views.CaseLoansView.as_view(), name="case-loans"),
    path("loans/<int:pk>/return/", views.LoanReturnView.as_view(), name="loan-return"),
    path("visits/<int:pk>/feedback/", views.FeedbackView.as_view(), name="visit-feedback"),
    path("oncall/", views.OnCallView.as_view(), name="oncall"),
    path("oncall/shifts/<int:pk>/swap/", views.SwapView.as_view(), name="oncall-swap"),
    *[
        path(
            f"visits/<int:pk>/{step}/", views.VisitStepView.as_view(step=step), name=f"visit-{step}"
        )
        for step in ("travel", "arrive", "depart", "cancel")
    ],
]
