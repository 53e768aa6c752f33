"""This app's endpoints under /api/v1/ (included by aftersales/config/api.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from aftersales.mailin.api.views import InboundMessageViewSet, MailboxViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("inbound-mail", InboundMessageViewSet, basename="inbound-mail")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
