"""Acceptance inspection under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.inspection.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("deliveries/", views.DeliveriesView.as_view(), name="deliveries"),
    path("deliveries/<int:pk>/", views.DeliveryView.as_view(), name="delivery-detail"),
    path(
        "deliveries/<int:pk>/initial/",
        views.StageView.as_view(stage="initial"),
        name="delivery-initial",
    ),
    path(
        "deliveries/<int:pk>/professional/",
        views.StageView.as_view(stage="professional"),
        name="delivery-professional",
    ),
    path(
        "deliveries/<int:pk>/final/", views.StageView.as_view(stage="final"), name="delivery-final"
    ),
    path(
        "deliveries/<int:pk>/final-acceptance/",
        views.FinalAcceptanceView.as_view(),
        name="delivery-final-acceptance",
    ),
    path(
        "delivery-lines/<int:pk>/disputes/", views.LineDisputesView.as_view(), name="line-disputes"
    ),
    path("delivery-lines/<int:pk>/case/", views.LineCaseView.as_view(), name="line-case"),
    path("disputes/<int:pk>/refer/", views.DisputeReferView.as_view(), name="dispute-refer"),
    path("disputes/<int:pk>/decide/", views.DisputeDecideView.as_view(), name="dispute-decide"),
    path("inspections/<int:pk>/addenda/", views.AddendaView.as_view(), name="inspection-addenda"),
]
