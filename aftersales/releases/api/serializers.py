from __future__ import annotations

from rest_framework import serializers

from aftersales.catalog.models import Product
from aftersales.releases.choices import ReleaseSeverity
from aftersales.releases.models import ReleaseNotice, SoftwareRelease


class ReleaseSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    severity = serializers.ChoiceField(choices=ReleaseSeverity.choices)

    class Meta:
        model = SoftwareRelease
        fields = [
            "id",
            "product",
            "version",
            "severity",
            "released_on",
            "notes_zh",
            "notes_en",
            "created_at",
            "published_at",
        ]
        read_only_fields = ["id", "created_at", "published_at"]
        # Uniqueness is the service's rule (a clear 400 naming the field).
        validators: list = []


class PublishInputSerializer(serializers.Serializer):
    open_cases = serializers.BooleanField(default=False)


class NoticeSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.code")
    contact = serializers.CharField(source="contact.name")
    case = serializers.CharField(source="case.number", allow_null=True, default=None)

    class Meta:
        model = ReleaseNotice
        fields = ["customer", "contact", "email", "assets", "case", "sent_at", "error"]
