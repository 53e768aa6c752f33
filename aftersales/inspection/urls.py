"""Acceptance-inspection pages (included at /inspection/)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.inspection import views

app_name = "inspection"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.delivery_list, name="deliveries"),
    path("<int:pk>/", views.delivery_detail, name="delivery"),
    path("<int:pk>/stage/<str:stage>/", views.stage, name="stage"),
    path("<int:pk>/form.pdf", views.form_pdf, name="pdf"),
    path("<int:pk>/form.xlsx", views.form_xlsx, name="xlsx"),
    path("portal/", views.portal_list, name="portal-deliveries"),
    path("portal/<int:pk>/", views.portal_detail, name="portal-delivery"),
]
