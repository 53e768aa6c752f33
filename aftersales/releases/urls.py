"""Software-upgrade pages (included at /releases/)."""

from django.urls import path

from aftersales.releases import views

app_name = "releases"

urlpatterns = [path("upgrades/", views.upgrades, name="upgrades")]
