from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.servicereports.models import ReportAddendum, ServiceReport


class PartSerializer(serializers.Serializer):
    part = serializers.CharField(max_length=100)
    serial_out = serializers.CharField(max_length=80, allow_blank=True, required=False)
    serial_in = serializers.CharField(max_length=80, allow_blank=True, required=False)


class AddendumSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReportAddendum
        fields = ["id", "text", "author", "at"]


class ReportSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    engineer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    parts = PartSerializer(many=True, read_only=True)
    addenda = AddendumSerializer(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = ServiceReport
        fields = [
            "id",
            "case",
            "visit",
            "status",
            "problem",
            "diagnosis",
            "solution",
            "repair_process",
            "parts",
            "test_results",
            "engineer",
            "created_at",
            "updated_at",
            "signer_name",
            "signed_at",
            "pdf_url",
            "addenda",
        ]
        read_only_fields = fields

    def get_pdf_url(self, report: ServiceReport) -> str | None:
        if not report.is_signed:
            return None
        return reverse("report-pdf", kwargs={"pk": report.pk})


class ReportFieldsSerializer(serializers.Serializer):
    """The editable fields of a draft (all optional; ``parts`` replaces the list)."""

    problem = serializers.CharField(required=False, allow_blank=True)
    diagnosis = serializers.CharField(required=False, allow_blank=True)
    solution = serializers.CharField(required=False, allow_blank=True)
    repair_process = serializers.CharField(required=False, allow_blank=True)
    parts = PartSerializer(many=True, required=False)
    test_results = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields) - {"visit"}
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown field.")] for name in sorted(unknown)}
            )
        return attrs


class ReportCreateSerializer(ReportFieldsSerializer):
    visit = serializers.IntegerField(required=False, allow_null=True)


class SignSerializer(serializers.Serializer):
    signer_name = serializers.CharField(max_length=100)
    signature = serializers.CharField(help_text="A PNG data URL (data:image/png;base64,...).")
    signer_email = serializers.EmailField(required=False, allow_blank=True)


class AddendumInputSerializer(serializers.Serializer):
    text = serializers.CharField()
