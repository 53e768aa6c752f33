from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.accounts.permissions import Capability, RoleWritePermission
from aftersales.catalog import selectors, services
from aftersales.catalog.api.serializers import (
    AssetSerializer,
    ContractRenewalSerializer,
    ContractRenewInputSerializer,
    ContractSerializer,
    EntitlementQuerySerializer,
    EntitlementSerializer,
    ExpiringQuerySerializer,
    ProductSerializer,
    WarrantyExtensionSerializer,
)
from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.core import clock
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

    # At most this many contracts in one expiring list (the window is the real limit).
    EXPIRING_LIMIT = 1000

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "within", OpenApiTypes.INT, description="Days ahead (default: the setting)."
            )
        ],
        responses=ContractSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def expiring(self, request: Request) -> Response:
        """List the contracts in force that end within N days, soonest first (for renewal)."""
        query = ExpiringQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        within = query.validated_data.get("within")
        within = selectors.renewal_notice_days() if within is None else within
        rows = list(
            selectors.contracts_expiring(
                user=request.user, today=clock.today(), within_days=within
            )[: self.EXPIRING_LIMIT + 1]
        )
        return Response(
            {
                "within_days": within,
                "truncated": len(rows) > self.EXPIRING_LIMIT,
                "results": ContractSerializer(
                    rows[: self.EXPIRING_LIMIT], many=True, context={"request": request}
                ).data,
            }
        )

    @extend_schema(request=ContractRenewInputSerializer, responses={201: ContractRenewalSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, number: str | None = None) -> Response:
        """Renew the contract to a new end date (supervisors and administrators)."""
        contract = self.get_object()
        data = ContractRenewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        renewal = services.contract_renew(by=request.user, contract=contract, **data.validated_data)
        return Response(ContractRenewalSerializer(renewal).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ContractRenewalSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def renewals(self, request: Request, number: str | None = None) -> Response:
        """The contract's renewals, oldest first."""
        contract = self.get_object()
        rows = selectors.contract_renewals(contract=contract)
        return Response(ContractRenewalSerializer(rows, many=True).data)


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

    @extend_schema(
        parameters=[OpenApiParameter("at", OpenApiTypes.DATE, description="Default: today.")],
        responses=EntitlementSerializer,
    )
    @action(detail=True, methods=["get"])
    def entitlement(self, request: Request, serial_number: str | None = None) -> Response:
        """Return what the asset is entitled to on a date: service level, warranty, stage."""
        asset = self.get_object()
        query = EntitlementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or clock.today()
        return Response(entitlement_at(asset, at).as_dict())

    @extend_schema(methods=["GET"], responses=WarrantyExtensionSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=WarrantyExtensionSerializer,
        responses={201: WarrantyExtensionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def extensions(self, request: Request, serial_number: str | None = None) -> Response:
        """The asset's warranty extensions and renewals; POST records one (supervisors)."""
        asset = self.get_object()
        if request.method == "GET":
            rows = selectors.asset_extensions(asset=asset)
            return Response(WarrantyExtensionSerializer(rows, many=True).data)
        data = WarrantyExtensionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.warranty_extend(by=request.user, asset=asset, **data.validated_data)
        return Response(WarrantyExtensionSerializer(row).data, status=status.HTTP_201_CREATED)
