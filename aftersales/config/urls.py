from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from aftersales.accounts import views as account_views
from aftersales.cases import views as file_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/language/", account_views.language, name="language"),
    path("console/", include("aftersales.console.urls")),
    path("portal/", include("aftersales.portal.urls")),
    path("channels/", include("aftersales.channels.urls")),
    path("notifications/", include("aftersales.notifications.urls")),
    path("mail/", include("aftersales.mailin.urls")),
    path("warranty/", include("aftersales.warranty.urls")),
    path("returns/", include("aftersales.returns.urls")),
    path("complaints/", include("aftersales.complaints.urls")),
    path("field/", include("aftersales.dispatch.urls")),
    path("reports/", include("aftersales.servicereports.urls")),
    path("parts/", include("aftersales.parts.urls")),
    path("inspection/", include("aftersales.inspection.urls")),
    path("releases/", include("aftersales.releases.urls")),
    path("training/", include("aftersales.training.urls")),
    path("kb/", include("aftersales.knowledge.urls")),
    path("surveys/", include("aftersales.surveys.urls")),
    path("kpi/", include("aftersales.kpi.urls")),
    path("exports/", include("aftersales.exports.urls")),
    path("files/<int:attachment_id>/", file_views.download, name="file-download"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("aftersales.config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api-auth/", include("rest_framework.urls")),
]

# Uploaded files are never served from MEDIA_URL: /files/<id>/ checks who may see them.
