from __future__ import annotations

import django_filters
from django.db.models import Q

from aftersales.accounts.permissions import Capability, RoleWritePermission
from aftersales.core.api import ServiceViewSet
from aftersales.customers import selectors, services
from aftersales.customers.api.serializers import (
    ContactSerializer,
    CustomerSerializer,
    RegionSerializer,
    SiteSerializer,
)
from aftersales.customers.models import Contact, Customer, Site


class RegionViewSet(ServiceViewSet):
    serializer_class = RegionSerializer
    lookup_field = "code"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CONFIG
    selector = staticmethod(selectors.region_list_visible_to)
    create_service = staticmethod(services.region_create)
    update_service = staticmethod(services.region_update)
    update_kwarg = "region"
    cursor_ordering = "code"


class CustomerFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    search = django_filters.CharFilter(method="filter_search", label="search")

    class Meta:
        model = Customer
        fields = ["region", "is_active"]

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(phone__icontains=value)
            | Q(address__icontains=value)
            | Q(contacts__name__icontains=value)
            | Q(contacts__phone__icontains=value)
            | Q(contacts__mobile__icontains=value)
        ).distinct()


class CustomerViewSet(ServiceViewSet):
    serializer_class = CustomerSerializer
    lookup_field = "code"
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CUSTOMERS
    filterset_class = CustomerFilterSet
    selector = staticmethod(selectors.customer_list_visible_to)
    create_service = staticmethod(services.customer_create)
    update_service = staticmethod(services.customer_update)
    update_kwarg = "customer"
    cursor_ordering = "code"


class ContactFilterSet(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__code")
    phone = django_filters.CharFilter(method="filter_phone")
    search = django_filters.CharFilter(method="filter_search", label="search")

    class Meta:
        model = Contact
        fields = ["customer", "email"]

    def filter_phone(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(phone=value) | Q(mobile=value))

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(phone__icontains=value)
            | Q(mobile__icontains=value)
            | Q(email__icontains=value)
        )


class ContactViewSet(ServiceViewSet):
    serializer_class = ContactSerializer
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CUSTOMERS
    filterset_class = ContactFilterSet
    lookup_value_regex = r"[0-9]{1,18}"
    selector = staticmethod(selectors.contact_list_visible_to)
    create_service = staticmethod(services.contact_create)
    update_service = staticmethod(services.contact_update)
    update_kwarg = "contact"


class SiteFilterSet(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__code")
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Site
        fields = ["customer", "region"]


class SiteViewSet(ServiceViewSet):
    serializer_class = SiteSerializer
    permission_classes = [RoleWritePermission]
    write_capability = Capability.MANAGE_CUSTOMERS
    filterset_class = SiteFilterSet
    lookup_value_regex = r"[0-9]{1,18}"
    selector = staticmethod(selectors.site_list_visible_to)
    create_service = staticmethod(services.site_create)
    update_service = staticmethod(services.site_update)
    update_kwarg = "site"
