"""The signed webhooks of the call-center system (CTI) and the SMS gateway, and the staff list of
a case's calls.

The webhooks authenticate by signature (``channels.signing``), not by a user: a request is
checked before anything is parsed, then validated, then applied once per event id in one
transaction (``webhook_event_apply``). Bad signature: 401; bad body: 400; nothing stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.selectors import case_list_visible_to
from aftersales.channels import signing
from aftersales.channels.choices import CallEventKind, WebhookSource
from aftersales.channels.models import Call
from aftersales.channels.selectors import call_list_visible_to
from aftersales.channels.services.calls import call_event_record
from aftersales.channels.services.sms import sms_receive
from aftersales.channels.services.webhooks import webhook_event_apply
from aftersales.core import clock
from aftersales.core.api import BoundedDateTimeField, render_datetime


class CallEventSerializer(serializers.Serializer):
    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=CallEventKind.choices)
    caller = serializers.CharField(max_length=40)
    callee = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    occurred_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    recording_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    event_id = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class SmsInboundSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=150)
    sender = serializers.CharField(max_length=40)
    text = serializers.CharField(max_length=2000)
    recipient = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    received_at = BoundedDateTimeField(required=False, allow_null=True, default=None)


class CallSerializer(serializers.ModelSerializer):
    agent = serializers.CharField(source="agent.username", default=None, read_only=True)
    case = serializers.CharField(source="case.number", default=None, read_only=True)
    customer = serializers.CharField(source="customer.code", default=None, read_only=True)
    contact = serializers.CharField(source="contact.name", default=None, read_only=True)
    direction = serializers.SerializerMethodField()
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "external_id",
            "direction",
            "state",
            "caller_number",
            "caller_normalized",
            "callee",
            "agent",
            "customer",
            "contact",
            "case",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "recording_url",
            "needs_completion",
        ]

    def get_direction(self, obj: Call) -> str:
        return "inbound"

    def get_duration_seconds(self, obj: Call) -> int | None:
        talk = obj.talk_time
        return None if talk is None else int(talk.total_seconds())


class _SignedWebhook(APIView):
    """Checks the signature over the raw body, then parses and validates it."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    source: str = ""
    secret_setting: str = ""
    serializer_class: type[serializers.Serializer] = serializers.Serializer

    def get_authenticate_header(self, request: Request) -> str:
        return "HMAC-SHA256"  # an unsigned request is answered 401, not 403

    def _verified_data(self, request: Request) -> tuple[dict[str, Any], str]:
        secret = getattr(settings, self.secret_setting, "")
        if not secret:
            raise _NotConfigured(
                _("This webhook is not configured (no shared secret)."), code="not_configured"
            )
        body = request.body
        try:
            signing.verify(
                secret=secret,
                timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
                signature=request.headers.get(signing.SIGNATURE_HEADER),
                body=body,
                now=clock.now(),
                tolerance_seconds=settings.CHANNELS_SIGNATURE_TOLERANCE_SECONDS,
            )
        except signing.SignatureError as exc:
            raise _Unsigned(exc.message, exc.code) from exc
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise exceptions.ParseError(_("The body must be a JSON object.")) from exc
        if not isinstance(payload, dict):
            raise exceptions.ParseError(_("The body must be a JSON object."))
        serializer = self.serializer_class(data=payload)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data), hashlib.sha256(body).hexdigest()

    def _apply(
        self, event_id: str, fingerprint: str, apply: Callable[[], dict[str, Any]]
    ) -> Response:
        answer, created = webhook_event_apply(
            source=self.source, event_id=event_id, fingerprint=fingerprint, apply=apply
        )
        return Response({**answer, "duplicate": not created}, status=status.HTTP_200_OK)


class _Unsigned(exceptions.AuthenticationFailed):
    def __init__(self, message: str, code: str):
        super().__init__(message, code)
        self.detail = {"detail": message, "code": code}  # type: ignore[assignment]


class _NotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class CtiCallEventView(_SignedWebhook):
    """A call event (ringing, answered, ended) from the call-center system."""

    source = WebhookSource.CTI
    secret_setting = "CHANNELS_CTI_SECRET"  # noqa: S105 (the name of a setting)
    serializer_class = CallEventSerializer

    @extend_schema(
        request=CallEventSerializer,
        responses={200: OpenApiResponse(description="The call as recorded.")},
    )
    def post(self, request: Request) -> Response:
        data, fingerprint = self._verified_data(request)
        event_id = data["event_id"] or f"{data['call_id']}:{data['event']}"

        def apply() -> dict[str, Any]:
            call = call_event_record(
                call_id=data["call_id"],
                event=data["event"],
                caller=data["caller"],
                callee=data["callee"],
                occurred_at=data["occurred_at"],
                recording_url=data["recording_url"],
            )
            case = call.case
            return {
                "call": call.pk,
                "call_id": call.external_id,
                "state": call.state,
                "agent": call.agent.username if call.agent_id else None,
                "customer": call.customer.code if call.customer_id else None,
                "case": case.number if case is not None else None,
                "needs_completion": call.needs_completion,
                "started_at": render_datetime(call.started_at),
            }

        return self._apply(event_id, fingerprint, apply)


class SmsInboundView(_SignedWebhook):
    """An SMS received by the gateway."""

    source = WebhookSource.SMS
    secret_setting = "CHANNELS_SMS_SECRET"  # noqa: S105 (the name of a setting)
    serializer_class = SmsInboundSerializer

    @extend_schema(
        request=SmsInboundSerializer,
        responses={200: OpenApiResponse(description="What became of the message.")},
    )
    def post(self, request: Request) -> Response:
        data, fingerprint = self._verified_data(request)

        def apply() -> dict[str, Any]:
            sms = sms_receive(
                sender=data["sender"],
                text=data["text"],
                recipient=data["recipient"],
                received_at=data["received_at"],
            )
            return {
                "sms": sms.pk,
                "action": sms.action,
                "case": sms.case.number if sms.case is not None else None,
                "customer": sms.customer.code if sms.customer is not None else None,
            }

        return self._apply(data["message_id"], fingerprint, apply)


class CaseCallListView(APIView):
    """The phone calls logged on a case (staff only: they carry recording links)."""

    serializer_class = CallSerializer

    @extend_schema(responses=CallSerializer(many=True))
    def get(self, request: Request, number: str) -> Response:
        if not has_capability(request.user, Capability.VIEW_ALL):
            raise exceptions.PermissionDenied(_("Only service staff see calls."))
        case = case_list_visible_to(user=request.user).filter(number=number).first()  # type: ignore[arg-type]
        if case is None:
            raise exceptions.NotFound()
        calls = call_list_visible_to(user=request.user).filter(case=case).order_by("started_at")
        return Response(CallSerializer(calls, many=True).data)
