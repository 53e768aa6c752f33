"""Spare-parts pages (included at /parts/)."""

from django.urls import path

from aftersales.parts import views

app_name = "parts"

urlpatterns = [
    path("", views.stock, name="stock"),
    path("movements/", views.movements, name="movements"),
    path("replacements/", views.replacements, name="replacements"),
    path("replenishment/", views.replenishment_new, name="replenishment-new"),
    path("replenishment/<int:pk>/", views.replenishment_status, name="replenishment-status"),
    path("export/<str:what>.<str:fmt>", views.export, name="export"),
]
