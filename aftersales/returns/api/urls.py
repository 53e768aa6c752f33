"""This app's endpoints under /api/v1/ (included by aftersales/config/api.py)."""

from rest_framework.routers import SimpleRouter

from aftersales.returns.api.views import ReturnRequestViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("returns", ReturnRequestViewSet, basename="return")

urlpatterns = router.urls
