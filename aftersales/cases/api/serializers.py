from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.accounts.models import Team, User
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Attachment, Case, CaseEvent, Comment
from aftersales.catalog.models import Asset, Contract
from aftersales.core.api import BoundedDateTimeField, render_datetime
from aftersales.customers.models import Contact, Customer, Site
from aftersales.sla.api.serializers import (
    EscalationSerializer,
    SlaClockHistorySerializer,
    SlaClockSerializer,
)
from aftersales.sla.selectors import case_sla_summary

_clock_serializer = SlaClockSerializer()


def _key(case: Case, relation: str, field: str) -> Any:
    """Return a reference's natural key: from the list query's annotation when it has one
    (``assignee_username``), else from the related object."""
    annotated = f"{relation}_{field}"
    if annotated in case.__dict__:
        return case.__dict__[annotated]
    if getattr(case, f"{relation}_id") is None:
        return None
    return getattr(getattr(case, relation), field)


class SlaPolicySummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    explanation = serializers.CharField()
    facts = serializers.DictField(required=False)


class CaseSerializer(serializers.ModelSerializer):
    """A case as every client reads it (natural keys for references)."""

    customer = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    asset = serializers.SlugRelatedField(slug_field="serial_number", read_only=True)
    contract = serializers.SlugRelatedField(slug_field="number", read_only=True)
    contact = serializers.PrimaryKeyRelatedField(read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, default=None)
    site = serializers.PrimaryKeyRelatedField(read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    sla_policy = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "case_type",
            "channel",
            "severity",
            "customer",
            "customer_name",
            "asset",
            "contract",
            "contact",
            "contact_name",
            "site",
            "summary",
            "description",
            "reported_at",
            "assignee",
            "team",
            "cause",
            "cause_confirmed_at",
            "arrived_at",
            "resolution",
            "responded_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "allowed_transitions",
            "sla_state",
            "sla_due_at",
            "sla",
            "sla_policy",
        ]
        read_only_fields = fields

    @extend_schema_field(SlaClockSerializer(many=True))
    def get_sla(self, obj: Case, zone: Any = None) -> list[dict[str, Any]]:
        return _sla(obj, zone or timezone.get_current_timezone())

    @extend_schema_field(SlaPolicySummarySerializer(allow_null=True))
    def get_sla_policy(self, obj: Case) -> dict[str, Any] | None:
        return _sla_policy(obj, self.context.get("request"))

    def get_allowed_transitions(self, obj: Case) -> list[str]:
        return _allowed_transitions(obj, self.context.get("request"))

    def to_representation(self, instance: Case) -> dict[str, Any]:
        return case_representation(instance, self.context.get("request"))

    def generic_representation(self, instance: Case) -> dict[str, Any]:
        """Return DRF's own rendering of the declared fields (the reference for tests)."""
        return super().to_representation(instance)


def _sla(case: Case, zone: Any) -> list[dict[str, Any]]:
    clocks = getattr(case, "live_sla_clocks", None)
    if clocks is None:
        clocks = case.sla_clocks.exclude(state="cancelled").select_related("calendar", "policy")
    return [_clock_serializer.represent(clock, zone) for clock in clocks]


def _sla_policy(case: Case, request: Any) -> dict[str, Any] | None:
    summary = case_sla_summary(case)
    if summary is None:
        return None
    if request is not None and getattr(request.user, "is_customer_contact", False):
        summary.pop("facts", None)
    return summary


def _allowed_transitions(case: Case, request: Any) -> list[str]:
    from aftersales.cases.services import can_transition
    from aftersales.cases.transitions import allowed_from

    if request is None:
        return []
    return sorted(s for s in allowed_from(case.status) if can_transition(case, s, request.user))


def case_representation(case: Case, request: Any) -> dict[str, Any]:
    """Return ``CaseSerializer(context={"request": request}).data`` as a plain dict.

    Hand-written for speed: building DRF fields for ~35 attributes on every request and every
    list row costs more than the database work of creating a case, and so does building the
    serializer itself for one case. It answers exactly what DRF's generic rendering of the
    declared fields answers (``cases/tests/test_representation.py``).
    """
    customer = case.customer
    zone = timezone.get_current_timezone()
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "case_type": case.case_type,
        "channel": case.channel,
        "severity": case.severity,
        "customer": customer.code,
        "customer_name": customer.name,
        "asset": case.asset.serial_number if case.asset_id else None,
        "contract": _key(case, "contract", "number"),
        "contact": case.contact_id,
        "contact_name": _key(case, "contact", "name"),
        "site": case.site_id,
        "summary": case.summary,
        "description": case.description,
        "reported_at": render_datetime(case.reported_at, zone),
        "assignee": _key(case, "assignee", "username"),
        "team": _key(case, "team", "code"),
        "cause": case.cause,
        "cause_confirmed_at": render_datetime(case.cause_confirmed_at, zone),
        "arrived_at": render_datetime(case.arrived_at, zone),
        "resolution": case.resolution,
        "responded_at": render_datetime(case.responded_at, zone),
        "resolved_at": render_datetime(case.resolved_at, zone),
        "closed_at": render_datetime(case.closed_at, zone),
        "reopen_count": case.reopen_count,
        "version": case.version,
        "created_by": _key(case, "created_by", "username"),
        "created_at": render_datetime(case.created_at, zone),
        "updated_at": render_datetime(case.updated_at, zone),
        "allowed_transitions": _allowed_transitions(case, request),
        "sla_state": case.sla_state,
        "sla_due_at": render_datetime(case.sla_due_at, zone),
        "sla": _sla(case, zone),
        "sla_policy": _sla_policy(case, request),
    }


def _visible(request: Any, name: str) -> Any:
    """Return the queryset a reference field of a case resolves in: what the requester may
    see, loading only what creating a case needs (the asset's contract and site)."""
    from aftersales.accounts.selectors import scope_to_user

    querysets = {
        "customer": Customer.objects.all(),
        "asset": Asset.objects.select_related("contract", "site"),
        "contract": Contract.objects.all(),
        "contact": Contact.objects.all(),
        "site": Site.objects.all(),
    }
    path = "id" if name == "customer" else "customer_id"
    return scope_to_user(querysets[name], user=request.user, customer_path=path)


class _CaseInputSerializer(serializers.Serializer):
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.all())
    asset = serializers.SlugRelatedField(
        slug_field="serial_number", queryset=Asset.objects.all(), required=False, allow_null=True
    )
    contract = serializers.SlugRelatedField(
        slug_field="number", queryset=Contract.objects.all(), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True
    )
    case_type = serializers.ChoiceField(choices=CaseType.choices)
    channel = serializers.ChoiceField(choices=CaseChannel.choices)
    severity = serializers.ChoiceField(choices=CaseSeverity.choices)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["description"].max_length = settings.CASES_MAX_TEXT_LENGTH
        self.fields["description"].validators.append(
            MaxLengthValidator(settings.CASES_MAX_TEXT_LENGTH)
        )
        if request is not None:
            for name in ("customer", "asset", "contract", "contact", "site"):
                self.fields[name].queryset = _visible(request, name)


class CaseCreateSerializer(_CaseInputSerializer):
    """What a client sends to open a case."""

    reported_at = BoundedDateTimeField(required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and getattr(request.user, "is_customer_contact", False):
            # A contact's cases are for their own organisation unless they say so.
            self.fields["customer"].required = False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        if "customer" not in attrs and request is not None:
            attrs["customer"] = request.user.customer
        return attrs


class CaseUpdateSerializer(_CaseInputSerializer):
    """What a client sends to change a case (every field optional)."""

    version = serializers.IntegerField(required=False, min_value=1)
    cause = serializers.CharField(required=False, allow_blank=True, max_length=20000)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" in self.initial_data:
            raise serializers.ValidationError(
                {"status": [_("Change the status with the transition endpoint.")]}
            )
        return attrs


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    public = serializers.BooleanField(required=False, default=True)
    version = serializers.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["note"].max_length = settings.CASES_MAX_TEXT_LENGTH
        self.fields["note"].validators.append(MaxLengthValidator(settings.CASES_MAX_TEXT_LENGTH))


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    public = serializers.BooleanField(source="is_public", required=False, default=True)

    class Meta:
        model = Comment
        fields = ["id", "body", "public", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = settings.CASES_MAX_TEXT_LENGTH
        self.fields["body"].validators.append(MaxLengthValidator(settings.CASES_MAX_TEXT_LENGTH))


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    public = serializers.BooleanField(source="is_public", read_only=True)
    comment = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "kind",
            "at",
            "actor",
            "public",
            "from_status",
            "to_status",
            "field",
            "old_value",
            "new_value",
            "note",
            "comment",
            "data",
        ]
        read_only_fields = fields

    def get_comment(self, obj: CaseEvent) -> dict[str, Any] | None:
        if obj.comment is None:
            return None
        return {"id": obj.comment.pk, "body": obj.comment.body, "public": obj.comment.is_public}


class CaseSlaSerializer(serializers.Serializer):
    policy = SlaPolicySummarySerializer(allow_null=True)
    clocks = SlaClockHistorySerializer(many=True)
    escalations = EscalationSerializer(many=True)


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    public = serializers.BooleanField(source="is_public", required=False, default=True)
    file = serializers.FileField(write_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "public",
            "uploaded_by",
            "uploaded_at",
            "url",
            "file",
        ]
        read_only_fields = [
            "id",
            "name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "url",
        ]

    def get_url(self, obj: Attachment) -> str:
        return f"/api/v1/cases/{obj.case.number}/attachments/{obj.pk}/"
