"""Export pages (included at /exports/)."""

from django.urls import path

from aftersales.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("<int:pk>/row/", views.export_row, name="row"),
    path("<int:pk>/download/", views.export_download, name="download"),
]
