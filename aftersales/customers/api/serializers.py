from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts.models import User
from aftersales.core.api import ImmutableFieldsMixin
from aftersales.customers.models import Contact, Customer, Region, Site


class RegionSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    supervisor = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), required=False, allow_null=True
    )
    immutable_fields = ("code",)

    class Meta:
        model = Region
        fields = ["code", "name", "supervisor", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ContactSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.all())
    immutable_fields = ("customer",)

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "phone",
            "mobile",
            "email",
            "is_primary",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "customer" in self.fields:
            from aftersales.customers.selectors import customer_list_visible_to

            self.fields["customer"].queryset = customer_list_visible_to(user=request.user)


class SiteSerializer(ContactSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Site
        fields = ["id", "customer", "name", "address", "region", "created_at"]
        read_only_fields = ["id", "created_at"]


class NestedContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "title", "phone", "mobile", "email", "is_primary"]


class NestedSiteSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Site
        fields = ["id", "name", "address", "region"]


class CustomerSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    contacts = NestedContactSerializer(many=True, read_only=True)
    sites = NestedSiteSerializer(many=True, read_only=True)
    immutable_fields = ("code",)

    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "region",
            "industry",
            "address",
            "phone",
            "email",
            "notes",
            "is_active",
            "contacts",
            "sites",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
