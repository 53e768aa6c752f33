from django.urls import path

from aftersales.audit.api.views import AuditExportView

urlpatterns = [path("audit/export/", AuditExportView.as_view(), name="audit-export")]
