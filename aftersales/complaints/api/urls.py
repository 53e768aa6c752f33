"""This app's endpoints under /api/v1/ (included by aftersales/config/api.py)."""

from rest_framework.routers import SimpleRouter

from aftersales.complaints.api.views import ComplaintViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
