"""API plumbing shared by every app: errors, pagination, authentication, base permissions."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from aftersales.core.errors import DomainError

logger = logging.getLogger(__name__)


_DATETIME = serializers.DateTimeField()

# Timestamps a client may send: a service desk has nothing before 2000 or after 2099, and a
# time in year 6 would even render with the zone's local mean time offset (+08:05:43), which
# is no valid RFC 3339 time.
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


class BoundedDateTimeField(serializers.DateTimeField):
    """A DateTimeField that refuses times before 2000 or after 2099 (400, not a stored oddity).

    ``CoreConfig.ready`` makes it the field of every model DateTimeField in ModelSerializers."""

    def to_internal_value(self, value: Any) -> datetime.datetime:
        result = super().to_internal_value(value)
        if not EARLIEST <= result < LATEST:
            raise serializers.ValidationError(_("Enter a date and time between 2000 and 2099."))
        return result


def render_datetime(value: Any, zone: Any = None) -> str | None:
    """Render a timestamp exactly as DRF does (ISO 8601 with offset, in the current zone), for
    hand-written representations on hot paths. An aware datetime is rendered here as DRF's
    ``DateTimeField`` renders it (ISO 8601, ``Z`` for UTC); anything else by the field.
    ``zone`` is the current time zone when the caller has it at hand (one look-up for many
    timestamps)."""
    if value is None:
        return None
    if (
        type(value) is datetime.datetime
        and value.tzinfo is not None
        and settings.USE_TZ
        and api_settings.DATETIME_FORMAT == ISO_8601
    ):
        try:
            text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
        except OverflowError:
            return _DATETIME.to_representation(value)  # DRF's own error
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _DATETIME.to_representation(value)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain and database errors to clear 4xx answers; never let client input give a 500."""
    if isinstance(exc, DomainError):
        return Response(exc.as_data(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data: Any = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            data = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered with 409: %s", exc)
        return Response(
            {
                "detail": _("This conflicts with existing data; reload and try again."),
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, OverflowError):
        # A date or number outside what Python or the database can hold, e.g. year 1 in +08:00.
        return Response(
            {"detail": _("A value is out of range."), "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DataError):
        logger.info("data error answered with 400: %s", exc)
        return Response(
            {"detail": _("A value is out of range or malformed."), "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


class ImmutableFieldsMixin:
    """Refuse changes to natural keys after creation (they are part of every URL)."""

    immutable_fields: tuple[str, ...] = ()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # type: ignore[misc]
        instance = getattr(self, "instance", None)
        if instance is not None:
            errors = {
                f: [_("This value cannot be changed once set.")]
                for f in self.immutable_fields
                if f in attrs and attrs[f] != getattr(instance, f)
            }
            if errors:
                raise exceptions.ValidationError(errors)
        return attrs


class ServiceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """A model viewset whose reads start from a selector and whose writes call services.

    Subclasses set ``selector`` (``f(*, user) -> QuerySet``), ``create_service``
    (``f(*, by, **data)``) and ``update_service`` (``f(*, by, <update_kwarg>=obj, data)``),
    each wrapped in ``staticmethod``. PUT is not offered: changes are partial (PATCH).
    """

    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"[^/]+"
    update_kwarg = "instance"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return self.selector(user=self.request.user)  # type: ignore[attr-defined]

    def perform_create(self, serializer):  # type: ignore[no-untyped-def]
        serializer.instance = self.create_service(by=self.request.user, **serializer.validated_data)  # type: ignore[attr-defined]

    def perform_update(self, serializer):  # type: ignore[no-untyped-def]
        serializer.instance = self.update_service(  # type: ignore[attr-defined]
            by=self.request.user,
            **{self.update_kwarg: serializer.instance},
            data=serializer.validated_data,
        )

    def update(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)
