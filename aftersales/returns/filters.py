"""The one filter set of return requests, shared by the API list and the admin's needs."""

from __future__ import annotations

import django_filters

from aftersales.returns.choices import ReturnKind, ReturnStep
from aftersales.returns.models import ReturnRequest


class ReturnRequestFilterSet(django_filters.FilterSet):
    step = django_filters.MultipleChoiceFilter(choices=ReturnStep.choices)
    kind = django_filters.ChoiceFilter(choices=ReturnKind.choices)
    customer = django_filters.CharFilter(field_name="case__customer__code", label="customer")
    case_status = django_filters.CharFilter(field_name="case__status", label="case status")
    eligible = django_filters.BooleanFilter(field_name="is_eligible")
    rma_number = django_filters.CharFilter(field_name="rma_number")

    class Meta:
        model = ReturnRequest
        fields = ["step", "kind", "customer", "case_status", "eligible", "rma_number"]
