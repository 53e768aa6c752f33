from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.catalog.choices import CoverageKind, ServiceLevel
from aftersales.catalog.models import Asset, Contract, ContractRenewal, Product, WarrantyExtension
from aftersales.core.api import ImmutableFieldsMixin
from aftersales.customers.models import Customer, Region, Site


def _scope_customer_fields(serializer: serializers.Serializer, *names: str) -> None:
    """Limit the choices of customer-owned reference fields to what the requester may see."""
    request = serializer.context.get("request")
    if request is None:
        return
    from aftersales.catalog.selectors import contract_list_visible_to
    from aftersales.customers.selectors import customer_list_visible_to, site_list_visible_to

    scoped = {
        "customer": customer_list_visible_to,
        "contract": contract_list_visible_to,
        "site": site_list_visible_to,
    }
    for name in names:
        field = serializer.fields.get(name)
        if field is not None and not field.read_only:
            field.queryset = scoped[name](user=request.user)


class ProductSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    immutable_fields = ("code",)

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "category",
            "manufacturer",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContractSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.all())
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    immutable_fields = ("number",)

    class Meta:
        model = Contract
        fields = [
            "number",
            "customer",
            "service_level",
            "hardware_warranty_months",
            "warranty_start",
            "software_upgrade_months",
            "start_date",
            "end_date",
            "region",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _scope_customer_fields(self, "customer")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [_("The end date must not be before the start date.")]}
            )
        return attrs


class AssetSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.all())
    contract = serializers.SlugRelatedField(
        slug_field="number", queryset=Contract.objects.all(), required=False, allow_null=True
    )
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True
    )
    product_name = serializers.CharField(source="product.name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    has_contract = serializers.SerializerMethodField()
    immutable_fields = ("serial_number",)

    def get_has_contract(self, obj: Asset) -> bool:
        return obj.contract_id is not None

    class Meta:
        model = Asset
        fields = [
            "serial_number",
            "product",
            "product_name",
            "customer",
            "customer_name",
            "site",
            "contract",
            "has_contract",
            "purchase_date",
            "delivery_date",
            "installation_date",
            "final_acceptance_date",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _scope_customer_fields(self, "customer", "contract", "site")


class EntitlementQuerySerializer(serializers.Serializer):
    at = serializers.DateField(required=False)


class PeriodSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


class EntitlementSerializer(serializers.Serializer):
    serial_number = serializers.CharField()
    at = serializers.DateField()
    contract = serializers.CharField(allow_null=True)
    contract_active = serializers.BooleanField()
    service_level = serializers.CharField(allow_null=True)
    stage = serializers.CharField()
    hardware_warranty = PeriodSerializer()
    software_upgrades = PeriodSerializer()


class _ByUserMixin(serializers.Serializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)


class WarrantyExtensionSerializer(_ByUserMixin, serializers.ModelSerializer):
    """An extension or renewal of an asset's coverage (write: kind, end, reason; start optional)."""

    kind = serializers.ChoiceField(choices=CoverageKind.choices)
    start = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = WarrantyExtension
        fields = ["id", "kind", "start", "end", "reason", "reference", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class ContractRenewalSerializer(_ByUserMixin, serializers.ModelSerializer):
    class Meta:
        model = ContractRenewal
        fields = [
            "id",
            "previous_end_date",
            "new_end_date",
            "previous_service_level",
            "new_service_level",
            "reason",
            "reference",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ContractRenewInputSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices, required=False)
    reason = serializers.CharField()
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ExpiringQuerySerializer(serializers.Serializer):
    within = serializers.IntegerField(required=False, min_value=0, max_value=3650)
