from __future__ import annotations

from typing import Any

from rest_framework import serializers

from aftersales.warranty.choices import (
    ClaimDecision,
    ClaimExclusion,
    ClaimRemedy,
    ClaimScope,
    QuoteLineKind,
)
from aftersales.warranty.models import ClaimAssessment, Quote, QuoteLine


class ClaimDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ClaimDecision.choices)
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=ClaimScope.choices), required=False, max_length=10
    )
    exclusions = serializers.ListField(
        child=serializers.ChoiceField(choices=ClaimExclusion.choices),
        required=False,
        max_length=10,
    )
    remedy = serializers.ChoiceField(choices=ClaimRemedy.choices, required=False, allow_blank=True)
    refund_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    findings = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    customer_answer = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=100
    )


class ClaimAssessmentSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    remedy_done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ClaimAssessment
        fields = [
            "case",
            "warranty_active",
            "warranty_end",
            "scope",
            "exclusions",
            "findings",
            "evidence",
            "decision",
            "remedy",
            "refund_amount",
            "customer_answer",
            "decided_by",
            "decided_at",
            "revision",
            "remedy_done_at",
            "remedy_done_by",
            "remedy_note",
        ]
        read_only_fields = fields

    # What only staff read: the internal findings and evidence.
    STAFF_ONLY = ("findings", "evidence")

    def to_representation(self, instance: ClaimAssessment) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and getattr(request.user, "is_customer_contact", False):
            for name in self.STAFF_ONLY:
                data.pop(name, None)
        return data


class RemedyDoneInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class QuoteLineSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=QuoteLineKind.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = QuoteLine
        fields = ["kind", "description", "quantity", "unit_price", "amount"]


class QuoteSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    lines = QuoteLineSerializer(many=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    valid_days = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=365
    )

    class Meta:
        model = Quote
        fields = [
            "number",
            "case",
            "status",
            "currency",
            "total",
            "note",
            "valid_until",
            "valid_days",
            "lines",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = [
            "number",
            "case",
            "status",
            "currency",
            "total",
            "valid_until",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class QuoteAnswerInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
