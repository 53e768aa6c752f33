"""Service reports under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver, path

from aftersales.servicereports.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:number>/reports/", views.CaseReportsView.as_view(), name="case-reports"),
    path("reports/<int:pk>/", views.ReportView.as_view(), name="report-detail"),
    path("reports/<int:pk>/sign/", views.SignView.as_view(), name="report-sign"),
    path("reports/<int:pk>/addenda/", views.AddendaView.as_view(), name="report-addenda"),
    path("reports/<int:pk>/pdf/", views.PdfView.as_view(), name="report-pdf"),
]
