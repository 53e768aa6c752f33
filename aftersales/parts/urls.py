"""Spare-parts pages (included at /parts/)."""

from django.urls import path

from aftersales.parts import views

app_name = "parts"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("movements/", views.movements, name="movements"),
    path("replacements/", views.replacements, name="replacements"),
    path("minimums/", views.minimum_save, name="minimum-save"),
    path("replenishment/", views.replenishment_new, name="replenishment-new"),
    path("replenishment/<int:pk>/", views.replenishment_status, name="replenishment-status"),
    path("export/<str:what>.<str:fmt>", views.export, name="export"),
    path("cases/<str:number>/<str:what>/", views.case_order, name="case-order"),
    path(
        "replacements/<str:number>/<str:step>/",
        views.replacement_step,
        name="replacement-step",
    ),
    path("exchange-repairs/<str:number>/", views.exchange_step, name="exchange-step"),
]
