from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.catalog.models import Asset, Product
from aftersales.customers.models import Contact, Customer
from aftersales.returns.choices import ReturnKind, ReturnReason
from aftersales.returns.models import ReturnRequest


class ReturnRequestSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    case_status = serializers.CharField(source="case.status", read_only=True)
    customer = serializers.CharField(source="case.customer.code", read_only=True)
    asset = serializers.SlugRelatedField(slug_field="serial_number", read_only=True)
    product = serializers.SlugRelatedField(slug_field="code", read_only=True)
    eligible = serializers.BooleanField(source="is_eligible", read_only=True)
    overridden = serializers.BooleanField(source="is_overridden", read_only=True)

    class Meta:
        model = ReturnRequest
        fields = [
            "case",
            "case_status",
            "customer",
            "kind",
            "reason",
            "asset",
            "order_reference",
            "product",
            "quantity",
            "delivered_on",
            "requested_on",
            "step",
            "eligible",
            "eligibility_rule",
            "eligibility_explanation",
            "window_days",
            "overridden",
            "override_reason",
            "rma_number",
            "decided_at",
            "rejection_reason",
            "received_on",
            "condition_notes",
            "inspection_passed",
            "inspection_findings",
            "refund_amount",
            "replacement_serial",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ReturnRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and getattr(request.user, "is_customer_contact", False):
            data.pop("override_reason", None)  # an internal note; the explanation is public
        return data


class ReturnRequestCreateSerializer(serializers.Serializer):
    customer = serializers.SlugRelatedField(
        slug_field="code", queryset=Customer.objects.all(), required=False
    )
    kind = serializers.ChoiceField(choices=ReturnKind.choices)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    asset = serializers.SlugRelatedField(
        slug_field="serial_number", queryset=Asset.objects.all(), required=False, allow_null=True
    )
    order_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64
    )
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=Product.objects.all(), required=False, allow_null=True
    )
    quantity = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1000000)
    delivered_on = serializers.DateField(required=False, allow_null=True)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if "customer" not in attrs:
            if not user.is_customer_contact:
                raise serializers.ValidationError({"customer": [_("This field is required.")]})
            attrs["customer"] = user.customer
        return attrs


class OverrideSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(max_length=4000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class ReceiveSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    condition_notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4000
    )


class InspectSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ExchangeSerializer(serializers.Serializer):
    replacement_serial = serializers.CharField(max_length=64)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
