"""The REST API router: every app's viewsets under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from aftersales.accounts.api.views import UserViewSet
from aftersales.calendars.api.views import CalendarViewSet
from aftersales.cases.api.views import CaseViewSet
from aftersales.catalog.api.views import AssetViewSet, ContractViewSet, ProductViewSet
from aftersales.customers.api.views import (
    ContactViewSet,
    CustomerViewSet,
    RegionViewSet,
    SiteViewSet,
)
from aftersales.sla.api.views import EscalationRuleViewSet, SlaPolicyViewSet
from aftersales.surveys.api.views import CaseRatingView

router = DefaultRouter()
router.include_format_suffixes = False
router.register("users", UserViewSet, basename="user")
router.register("regions", RegionViewSet, basename="region")
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("sites", SiteViewSet, basename="site")
router.register("products", ProductViewSet, basename="product")
router.register("contracts", ContractViewSet, basename="contract")
router.register("assets", AssetViewSet, basename="asset")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("cases", CaseViewSet, basename="case")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("escalation-rules", EscalationRuleViewSet, basename="escalation-rule")

# The case list route goes first: it takes most of the API's writes (cases/api/intake.py) and
# would otherwise be matched after every other route. No other route matches "cases/" (tested).
_router_urls = router.urls
_case_list = [u for u in _router_urls if u.name == "case-list"]

urlpatterns = [
    *_case_list,
    path("cases/<str:number>/rating/", CaseRatingView.as_view(), name="case-rating"),
    path("", include("aftersales.mailin.api.urls")),
    path("", include("aftersales.channels.api.urls")),
    path("", include("aftersales.notifications.api.urls")),
    path("", include("aftersales.warranty.api.urls")),
    path("", include("aftersales.returns.api.urls")),
    path("", include("aftersales.complaints.api.urls")),
    path("", include("aftersales.dispatch.api.urls")),
    path("", include("aftersales.servicereports.api.urls")),
    path("", include("aftersales.parts.api.urls")),
    path("", include("aftersales.inspection.api.urls")),
    path("", include("aftersales.releases.api.urls")),
    path("", include("aftersales.training.api.urls")),
    path("", include("aftersales.audit.api.urls")),
    path("", include("aftersales.knowledge.api.urls")),
    path("", include("aftersales.surveys.api.urls")),
    path("", include("aftersales.kpi.api.urls")),
    *[u for u in _router_urls if u.name != "case-list"],
]
