"""Warranty claims and quotes under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path

from aftersales.warranty.api import views

urlpatterns = [
    path("cases/<str:number>/claim/", views.ClaimView.as_view(), name="case-claim"),
    path(
        "cases/<str:number>/claim/remedy-done/",
        views.RemedyDoneView.as_view(),
        name="case-claim-remedy-done",
    ),
    path("cases/<str:number>/quotes/", views.CaseQuotesView.as_view(), name="case-quotes"),
    path("quotes/<str:number>/", views.QuoteView.as_view(), name="quote-detail"),
    path(
        "quotes/<str:number>/accept/",
        views.QuoteAnswerView.as_view(accept=True),
        name="quote-accept",
    ),
    path(
        "quotes/<str:number>/decline/",
        views.QuoteAnswerView.as_view(accept=False),
        name="quote-decline",
    ),
]
