from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.accounts.models import User
from aftersales.cases.choices import CaseChannel, CaseSeverity
from aftersales.catalog.models import Asset, Product
from aftersales.complaints.choices import CompensationKind, CompensationState, ComplaintSubject
from aftersales.complaints.models import Complaint
from aftersales.core.api import BoundedDateTimeField
from aftersales.customers.models import Contact, Customer

# What a customer contact does not see of a complaint: the internal investigation, who it is
# about, and compensation until a supervisor approved it.
CUSTOMER_HIDDEN = ("investigation_notes", "root_cause", "person", "outcome", "at_fault")
COMPENSATION_FIELDS = (
    "compensation_state",
    "compensation_kind",
    "compensation_amount",
    "compensation_note",
    "compensation_requested_by",
    "compensation_approved_by",
    "compensation_approved_at",
)


class ComplaintSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    case_status = serializers.CharField(source="case.status", read_only=True)
    customer = serializers.CharField(source="case.customer.code", read_only=True)
    summary = serializers.CharField(source="case.summary", read_only=True)
    product = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person = serializers.SlugRelatedField(slug_field="username", read_only=True)
    at_fault = serializers.BooleanField(source="is_company_at_fault", read_only=True)
    compensation_requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    compensation_approved_by = serializers.SlugRelatedField(
        source="compensation_decided_by", slug_field="username", read_only=True
    )
    compensation_approved_at = BoundedDateTimeField(
        source="compensation_decided_at", read_only=True
    )

    class Meta:
        model = Complaint
        fields = [
            "case",
            "case_status",
            "customer",
            "summary",
            "subject_kind",
            "product",
            "person",
            "complained_at",
            "investigation_notes",
            "root_cause",
            "outcome",
            "at_fault",
            "concluded_at",
            "answer",
            "answered_at",
            *COMPENSATION_FIELDS,
            "created_at",
        ]
        read_only_fields = fields
        # A customer contact sees them as null until a supervisor approved the compensation.
        extra_kwargs = {name: {"allow_null": True} for name in COMPENSATION_FIELDS}

    def to_representation(self, instance: Complaint) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and getattr(request.user, "is_customer_contact", False):
            for field in CUSTOMER_HIDDEN:
                data.pop(field, None)
            if instance.compensation_state != CompensationState.APPROVED:
                for field in COMPENSATION_FIELDS:
                    data[field] = None
            data.pop("compensation_requested_by", None)
            data.pop("compensation_note", None)
        return data


class ComplaintCreateSerializer(serializers.Serializer):
    customer = serializers.SlugRelatedField(
        slug_field="code", queryset=Customer.objects.all(), required=False
    )
    subject_kind = serializers.ChoiceField(choices=ComplaintSubject.choices)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=Product.objects.all(), required=False, allow_null=True
    )
    person = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    asset = serializers.SlugRelatedField(
        slug_field="serial_number", queryset=Asset.objects.all(), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    channel = serializers.ChoiceField(choices=CaseChannel.choices, required=False)
    severity = serializers.ChoiceField(
        choices=CaseSeverity.choices, required=False, default=CaseSeverity.C3
    )
    reported_at = BoundedDateTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if "customer" not in attrs:
            if not user.is_customer_contact:
                raise serializers.ValidationError({"customer": [_("This field is required.")]})
            attrs["customer"] = user.customer
        return attrs


class SubjectSerializer(serializers.Serializer):
    subject_kind = serializers.ChoiceField(choices=ComplaintSubject.choices)
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=Product.objects.all(), required=False, allow_null=True
    )
    person = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )


class InvestigateSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    root_cause = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class ConcludeSerializer(serializers.Serializer):
    at_fault = serializers.BooleanField()
    root_cause = serializers.CharField(required=False, allow_blank=True, default="")


class CompensationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CompensationKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class CompensationDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class AgainstQuerySerializer(serializers.Serializer):
    person = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    start = serializers.DateField(source="from")
    end = serializers.DateField(source="to")

    def to_internal_value(self, data: Any) -> Any:
        data = {
            "person": data.get("person"),
            "start": data.get("from"),
            "end": data.get("to"),
        }
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [_("The period ends before it starts.")]})
        return attrs
