"""Spare parts under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import path, re_path

from aftersales.parts.api import views

urlpatterns = [
    path("depots/", views.DepotsView.as_view(), name="depot-list"),
    path("depots/<str:code>/stock/", views.DepotStockView.as_view(), name="depot-stock"),
    path("parts/", views.PartsView.as_view(), name="part-list"),
    path("replacements/", views.ReplacementsView.as_view(), name="replacement-list"),
    path("replacements/<str:number>/", views.ReplacementView.as_view(), name="replacement-detail"),
    *[
        path(
            f"replacements/<str:number>/{step}/",
            views.ReplacementStepView.as_view(step=step),
            name=f"replacement-{step}",
        )
        for step in ("ship", "deliver", "return", "cancel")
    ],
    path("minimum-levels/", views.MinimumLevelsView.as_view(), name="minimum-level-list"),
    path(
        "minimum-levels/<str:depot>/<str:part_number>/",
        views.MinimumLevelView.as_view(),
        name="minimum-level-detail",
    ),
    path("low-stock/", views.LowStockView.as_view(), name="low-stock"),
    path(
        "replenishment-requests/",
        views.ReplenishmentRequestsView.as_view(),
        name="replenishment-list",
    ),
    re_path(
        r"^replenishment-requests/(?P<pk>[0-9]{1,18})/$",
        views.ReplenishmentRequestView.as_view(),
        name="replenishment-detail",
    ),
    re_path(
        r"^replenishment-requests/(?P<pk>[0-9]{1,18})/status/$",
        views.ReplenishmentStatusView.as_view(),
        name="replenishment-status",
    ),
    path("exchange-repairs/", views.ExchangesView.as_view(), name="exchange-list"),
    path("exchange-repairs/<str:number>/", views.ExchangeView.as_view(), name="exchange-detail"),
    path(
        "exchange-repairs/<str:number>/status/",
        views.ExchangeStatusView.as_view(),
        name="exchange-status",
    ),
]
