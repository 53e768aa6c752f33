from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.cases import selectors, services
from aftersales.cases.api import intake
from aftersales.cases.api.serializers import (
    AttachmentSerializer,
    CaseCreateSerializer,
    CaseEventSerializer,
    CaseSerializer,
    CaseSlaSerializer,
    CaseUpdateSerializer,
    CommentSerializer,
    TransitionSerializer,
)
from aftersales.cases.files import attachment_response
from aftersales.cases.filters import CaseFilterSet
from aftersales.cases.models import Case
from aftersales.sla.api.serializers import (
    ArrivalSerializer,
    EscalateSerializer,
    EscalationSerializer,
    SlaClockHistorySerializer,
)
from aftersales.sla.models import SlaClock
from aftersales.sla.selectors import (
    case_clocks_with_history,
    case_escalations,
    case_sla_summary,
    live_clocks_prefetch,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A retried create with the same key returns the first case.",
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag (version) the change is based on; a stale one answers 409.",
)


def _expected_version(request: Request, body_version: int | None) -> int | None:
    """Return the version a change is based on: ``If-Match`` or the body's ``version``."""
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        raw = header.removeprefix("W/").strip('"')
        try:
            return int(raw)
        except ValueError:
            raise exceptions.ValidationError(
                {"If-Match": [_('Send the ETag of the case, e.g. "3".')]}
            ) from None
    return body_version


def _with_etag(response: Response, case: Case) -> Response:
    response["ETag"] = f'"{case.version}"'
    return response


def _list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Load only what a list row shows of the references it joins (customer code and name,
    asset serial number, policy code and name; each clock's calendar and policy codes and the
    calendar's revision, which ``calendar_spec`` checks), and not the cases' search bigrams.

    A page of 50 cases with their ~100 clocks built every column of ~450 related rows (their
    timestamps parsed one by one) for the few this list reads.
    """
    clocks = live_clocks_prefetch()
    return (
        qs.only(
            *(f.name for f in Case._meta.concrete_fields if f.name != "search_grams"),
            "customer__code",
            "customer__name",
            "asset__serial_number",
            "sla_policy__code",
            "sla_policy__name",
        )
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                clocks.prefetch_through,
                queryset=clocks.queryset.only(
                    *(f.name for f in SlaClock._meta.concrete_fields),
                    "calendar__code",
                    "calendar__revision",
                    "policy__code",
                ),
                to_attr=clocks.to_attr,
            )
        )
    )


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases (service requests): open, read, change, move through the lifecycle, comment."""

    serializer_class = CaseSerializer
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9_-]{1,32}"
    filterset_class = CaseFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    cursor_ordering = "-id"
    ordering_choices = ("-id", "id", "reported_at", "-reported_at", "updated_at", "-updated_at")

    @classmethod
    def as_view(cls, actions=None, **initkwargs):  # type: ignore[no-untyped-def]
        view = super().as_view(actions, **initkwargs)
        if actions and actions.get("post") == "create":
            # Plain token-authenticated creates take the fast lane (cases/api/intake.py).
            # The headers DRF's APIView.default_response_headers gives the list route.
            bound = {"get", "head", "options", *actions}
            headers = {"Allow": ", ".join(m.upper() for m in cls.http_method_names if m in bound)}
            if len(cls.renderer_classes) > 1:
                headers["Vary"] = "Accept"
            return intake.with_fast_create(view, headers=headers)
        return view

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.case_list_for_api(user=self.request.user)
        return _list_columns(qs) if self.action == "list" else qs

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        # List filters apply to lists; a case addressed by number is found whatever the query
        # string says (and building the filter form costs more than the look-up).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return _with_etag(Response(self.get_serializer(case).data), case)

    @extend_schema(
        request=CaseCreateSerializer,
        responses={201: CaseSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        created = True
        if key is not None:
            case, created = services.case_create_idempotent(
                key=key,
                fingerprint=services.request_fingerprint(request.data),
                by=request.user,
                **serializer.validated_data,
            )
        else:
            case = services.case_create(by=request.user, **serializer.validated_data)
        if key is not None and not created:
            case = self.get_queryset().get(pk=case.pk)  # the first request's case, as stored
        # A new case answers from memory: every reference it shows was loaded to validate it.
        response = Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{case.number}/"
        return _with_etag(response, case)

    @extend_schema(
        request=CaseUpdateSerializer, responses=CaseSerializer, parameters=[IF_MATCH_HEADER]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        serializer = CaseUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        expected = _expected_version(request, changes.pop("version", None))
        case = services.case_update(
            case=case, by=request.user, changes=changes, expected_version=expected
        )
        case = self.get_queryset().get(pk=case.pk)
        return _with_etag(Response(self.get_serializer(case).data), case)

    @extend_schema(
        request=TransitionSerializer, responses=CaseSerializer, parameters=[IF_MATCH_HEADER]
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str | None = None) -> Response:
        """Move the case to another status (409 with ``allowed`` when the lifecycle forbids it)."""
        case = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_transition(
            case=case,
            to=data["status"],
            by=request.user,
            note=data["note"],
            public=data["public"],
            expected_version=_expected_version(request, data.get("version")),
        )
        case = self.get_queryset().get(pk=case.pk)
        return _with_etag(Response(self.get_serializer(case).data), case)

    @extend_schema(methods=["GET"], request=None, responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=CommentSerializer)
    def comments(self, request: Request, number: str | None = None) -> Response:
        """List the case's comments you may read, or add one (``public`` false: internal note)."""
        case = self.get_object()
        if request.method == "POST":
            serializer = CommentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            comment = services.case_comment(
                case=case,
                by=request.user,
                body=serializer.validated_data["body"],
                public=serializer.validated_data.get("is_public", True),
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.case_comments(case=case, user=request.user))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=CaseEventSerializer)
    def timeline(self, request: Request, number: str | None = None) -> Response:
        """Return the case's append-only timeline (customers: public entries only)."""
        case = self.get_object()
        page = self.paginate_queryset(selectors.case_timeline(case=case, user=request.user))
        return self.get_paginated_response(CaseEventSerializer(page, many=True).data)

    @extend_schema(request=EscalateSerializer, responses={201: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, number: str | None = None) -> Response:
        """Escalate the case by hand (a customer contact may do this for C-1 cases only)."""
        case = self.get_object()
        serializer = EscalateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        escalation = services.case_escalate(
            case=case, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ArrivalSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def arrival(self, request: Request, number: str | None = None) -> Response:
        """Record the engineer's arrival on site (meets the on-site target)."""
        case = self.get_object()
        serializer = ArrivalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_record_arrival(
            case=case, by=request.user, arrived_at=serializer.validated_data.get("arrived_at")
        )
        case = self.get_queryset().get(pk=case.pk)
        return _with_etag(Response(self.get_serializer(case).data), case)

    @extend_schema(responses=CaseSlaSerializer)
    @action(detail=True, methods=["get"], url_path="sla")
    def sla_detail(self, request: Request, number: str | None = None) -> Response:
        """Return the case's policy and why, every clock with its history, and escalations."""
        case = self.get_object()
        is_staff = not getattr(request.user, "is_customer_contact", False)
        data = {
            "policy": case_sla_summary(case),
            "clocks": SlaClockHistorySerializer(case_clocks_with_history(case), many=True).data,
            "escalations": EscalationSerializer(case_escalations(case), many=True).data
            if is_staff
            else [],
        }
        if not is_staff and data["policy"]:
            data["policy"].pop("facts", None)
        return Response(data)

    @extend_schema(request=None, responses=CaseSlaSerializer)
    @action(detail=True, methods=["post"], url_path="sla/reapply")
    def sla_reapply(self, request: Request, number: str | None = None) -> Response:
        """Apply the current service-level policies to this case again (explicit action)."""
        case = self.get_object()
        services.case_sla_reapply(case=case, by=request.user)
        return self.sla_detail(request, number)

    @extend_schema(methods=["GET"], request=None, responses=AttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=AttachmentSerializer,
        pagination_class=None,
    )
    def attachments(self, request: Request, number: str | None = None) -> Response:
        """List the case's files you may see, or upload one (multipart ``file``, ``public``)."""
        case = self.get_object()
        if request.method == "POST":
            serializer = AttachmentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            attachment = services.attachment_add(
                case=case,
                by=request.user,
                upload=serializer.validated_data["file"],
                public=serializer.validated_data.get("is_public", True),
            )
            return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        files = selectors.case_attachments(case=case, user=request.user)
        return Response(AttachmentSerializer(files, many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})")
    def attachment_download(
        self, request: Request, number: str | None = None, attachment_id: str | None = None
    ) -> FileResponse:
        """Download one of the case's files (404 for anyone who may not see it)."""
        case = self.get_object()
        attachment = selectors.attachment_get_visible(
            user=request.user, attachment_id=int(attachment_id or 0)
        )
        if attachment is None or attachment.case_id != case.pk:
            raise exceptions.NotFound()
        return attachment_response(attachment)

    def paginate_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action in ("comments", "timeline"):
            self.cursor_ordering = "created_at" if self.action == "comments" else "at"
            self.ordering_choices = ()
        return super().paginate_queryset(queryset)
