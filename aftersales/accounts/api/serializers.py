from __future__ import annotations

from rest_framework import serializers

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.customers.models import Customer


class UserSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(
        slug_field="code", queryset=Customer.objects.all(), required=False, allow_null=True
    )
    role = serializers.ChoiceField(choices=UserRole.choices)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=128
    )

    class Meta:
        model = User
        fields = [
            "username",
            "password",
            "role",
            "customer",
            "language",
            "timezone",
            "email",
            "first_name",
            "last_name",
            "phone",
            "phone_extension",
            "is_active",
            "is_service_director",
            "date_joined",
            "last_login",
        ]
        read_only_fields = ["date_joined", "last_login"]


class UserUpdateSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        read_only_fields = ["username", "date_joined", "last_login"]


class MeSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="code", read_only=True)
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "username",
            "role",
            "customer",
            "language",
            "timezone",
            "email",
            "first_name",
            "last_name",
            "phone",
            "phone_extension",
            "capabilities",
        ]
        read_only_fields = [
            "username",
            "role",
            "customer",
            "email",
            "first_name",
            "last_name",
            "phone",
            "phone_extension",
        ]

    def get_capabilities(self, obj: User) -> list[str]:
        from aftersales.accounts.permissions import Capability, has_capability

        return [c.value for c in Capability if has_capability(obj, c)]
