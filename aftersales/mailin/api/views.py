"""Staff-only reads of the e-mail intake (mailboxes' health, the message ledger, quarantine),
and the retry and discard actions on quarantined messages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.mailin import selectors, services
from aftersales.mailin.api.serializers import (
    InboundMessageSerializer,
    InboundRetrySerializer,
    MailboxStatusSerializer,
)
from aftersales.mailin.choices import InboundStatus


class IsServiceStaff(BasePermission):
    """Service staff only: customer contacts get 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and getattr(request.user, "is_service_staff", False))


class MailboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The mailboxes read for new cases, with whether fetching works."""

    serializer_class = MailboxStatusSerializer
    permission_classes = [IsServiceStaff]
    cursor_ordering = "name"
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.mailbox_list_visible_to(user=self.request.user)


class InboundMessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Messages taken from the mailboxes; ``?status=quarantined`` lists the quarantine."""

    serializer_class = InboundMessageSerializer
    permission_classes = [IsServiceStaff]
    cursor_ordering = "-id"
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        status = self.request.query_params.get("status") or None
        if status is not None and status not in InboundStatus.values:
            raise ValidationError(
                {
                    "status": [
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(InboundStatus.values)}
                    ]
                }
            )
        return selectors.inbound_list_visible_to(user=self.request.user, status=status)

    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Process a quarantined message again (``{"release": true}``: administrators only)."""
        message = self.get_object()
        data = InboundRetrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.inbound_retry(
            message=message, by=request.user, release=data.validated_data["release"]
        )
        return Response(InboundMessageSerializer(message).data)

    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str | None = None) -> Response:
        """Stop retrying a quarantined message; it stays recorded (administrators)."""
        message = services.inbound_discard(message=self.get_object(), by=request.user)
        return Response(InboundMessageSerializer(message).data)
