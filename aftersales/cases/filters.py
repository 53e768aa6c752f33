"""One FilterSet for cases, shared by the API, the console lists and exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.cases import selectors
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseSlaState, CaseStatus, CaseType
from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN


class CaseFilterSet(django_filters.FilterSet):
    # No filter here crosses a to-many relation, so none needs DISTINCT (which would make
    # PostgreSQL read and sort every match before taking a page).
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, distinct=False)
    case_type = django_filters.MultipleChoiceFilter(choices=CaseType.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=CaseChannel.choices, distinct=False)
    severity = django_filters.MultipleChoiceFilter(choices=CaseSeverity.choices, distinct=False)
    sla_state = django_filters.MultipleChoiceFilter(choices=CaseSlaState.choices, distinct=False)
    due_before = django_filters.IsoDateTimeFilter(field_name="sla_due_at", lookup_expr="lt")
    customer = django_filters.CharFilter(field_name="customer__code")
    region = django_filters.CharFilter(field_name="customer__region__code")
    asset = django_filters.CharFilter(field_name="asset__serial_number")
    contract = django_filters.CharFilter(field_name="contract__number")
    team = django_filters.CharFilter(field_name="team__code")
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text=_("A username, or “none” for unassigned cases.")
    )
    is_open = django_filters.BooleanFilter(method="filter_open", label=_("open"))
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    contact_phone = django_filters.CharFilter(method="filter_contact_phone")
    search = django_filters.CharFilter(method="filter_search", label=_("search"))

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_assignee(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)

    def filter_open(self, queryset, name, value):  # type: ignore[no-untyped-def]
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN) if value else queryset.exclude(status__in=OPEN)

    def filter_contact_phone(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(contact__phone=value) | Q(contact__mobile=value))

    def filter_search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return selectors.case_search(queryset, value)
