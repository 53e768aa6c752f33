from __future__ import annotations

import django_filters
from django.db.models import Q

from aftersales.accounts.permissions import Capability, RoleWritePermission
from aftersales.catalog import selectors, services
from aftersales.catalog.api.serializers import (
    AssetSerializer,
    ContractSerializer,
    ProductSerializer,
)
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.core.api import ServiceViewSet


class ProductFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="search")

    class Meta:
        model = Product
        fields = ["category", "is_active"]

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(category__icontains=value)
        )


class ProductViewSet(ServiceViewSet):
    serializer_class = ProductSerializer
    lookup_field = "code"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CONFIG
    filterset_class = ProductFilterSet
    selector = staticmethod(selectors.product_list_visible_to)
    create_service = staticmethod(services.product_create)
    update_service = staticmethod(services.product_update)
    update_kwarg = "product"
    cursor_ordering = "code"


class ContractFilterSet(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__code")
    region = django_filters.CharFilter(field_name="region__code")
    ends_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", label="search")

    class Meta:
        model = Contract
        fields = ["customer", "service_level", "warranty_start", "region"]

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(customer__name__icontains=value))


class ContractViewSet(ServiceViewSet):
    serializer_class = ContractSerializer
    lookup_field = "number"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CONTRACTS
    filterset_class = ContractFilterSet
    selector = staticmethod(selectors.contract_list_visible_to)
    create_service = staticmethod(services.contract_create)
    update_service = staticmethod(services.contract_update)
    update_kwarg = "contract"
    cursor_ordering = "number"


class AssetFilterSet(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__code")
    product = django_filters.CharFilter(field_name="product__code")
    contract = django_filters.CharFilter(field_name="contract__number")
    has_contract = django_filters.BooleanFilter(
        field_name="contract", lookup_expr="isnull", exclude=True
    )
    search = django_filters.CharFilter(method="filter_search", label="search")

    class Meta:
        model = Asset
        fields = ["customer", "product", "contract", "site"]

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(serial_number__icontains=value)
            | Q(product__name__icontains=value)
            | Q(customer__name__icontains=value)
        )


class AssetViewSet(ServiceViewSet):
    serializer_class = AssetSerializer
    lookup_field = "serial_number"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CUSTOMERS
    filterset_class = AssetFilterSet
    selector = staticmethod(selectors.asset_list_visible_to)
    create_service = staticmethod(services.asset_create)
    update_service = staticmethod(services.asset_update)
    update_kwarg = "asset"
    cursor_ordering = "serial_number"
