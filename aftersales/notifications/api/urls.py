"""This app's endpoints under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from aftersales.notifications.api.views import DeliveryViewSet

router = SimpleRouter()
router.include_format_suffixes = False  # type: ignore[attr-defined]
router.register("notification-deliveries", DeliveryViewSet, basename="notification-delivery")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
