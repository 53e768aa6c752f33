from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aftersales.accounts import auth_views as sign_in
from aftersales.accounts import views as account_views
from aftersales.cases import views as file_views
from aftersales.ops import views as ops_views

handler500 = "aftersales.ops.views.server_error"
handler404 = "aftersales.ops.views.page_not_found"

_SWAGGER_ORIGIN = settings.SPECTACULAR_SETTINGS.get(
    "SWAGGER_UI_DIST", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest"
).split("/npm/")[0]
SWAGGER_UI_CSP = {
    "script-src": [_SWAGGER_ORIGIN],
    "style-src": [_SWAGGER_ORIGIN],
    "style-src-elem": [_SWAGGER_ORIGIN, "'unsafe-inline'"],
    "img-src": [_SWAGGER_ORIGIN],
}

urlpatterns = [
    # First: the API takes most requests (and no other route starts with "api/v1/").
    path("api/v1/", include("aftersales.config.api")),
    path("", account_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("accounts/login/", sign_in.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", sign_in.two_factor, name="two-factor"),
    path("accounts/two-factor/setup/", sign_in.two_factor_setup, name="two-factor-setup"),
    path("accounts/two-factor/verify/", sign_in.two_factor_verify, name="two-factor-verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        sign_in.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("accounts/two-factor/disable/", sign_in.two_factor_disable, name="two-factor-disable"),
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
    path("audit/", include("aftersales.audit.urls")),
    path("files/<int:attachment_id>/", file_views.download, name="file-download"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in on the same (throttled, two-factor) page as everybody else.
    path("admin/login/", sign_in.admin_login),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's script is served from our origin (no inline script); its bundle comes from
    # SWAGGER_UI_DIST, which this page's Content-Security-Policy allows (see settings).
    path(
        "api/docs/",
        csp_update(SWAGGER_UI_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    # The browsable API's sign-in is ours too.
    path(
        "api-auth/",
        include(
            (
                [
                    path("login/", sign_in.LoginView.as_view(), name="login"),
                    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
                ],
                "rest_framework",
            )
        ),
    ),
]

# Uploaded files are never served from MEDIA_URL: /files/<id>/ checks who may see them.
