"""Service-report pages (included at /reports/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.servicereports import views

app_name = "servicereports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("visits/<int:visit_pk>/new/", views.new_for_visit, name="new-for-visit"),
    path("cases/<str:number>/new/", views.new_for_case, name="new-for-case"),
    path("<int:pk>/", views.detail, name="report"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/addenda/", views.add_addendum, name="addendum"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/signature.png", views.signature, name="signature"),
]
