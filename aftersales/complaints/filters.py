"""The one filter set of complaints (API list)."""

from __future__ import annotations

import django_filters

from aftersales.complaints.choices import CompensationState, ComplaintOutcome, ComplaintSubject
from aftersales.complaints.models import Complaint


class ComplaintFilterSet(django_filters.FilterSet):
    subject_kind = django_filters.ChoiceFilter(choices=ComplaintSubject.choices)
    outcome = django_filters.ChoiceFilter(choices=ComplaintOutcome.choices)
    compensation_state = django_filters.ChoiceFilter(choices=CompensationState.choices)
    customer = django_filters.CharFilter(field_name="case__customer__code", label="customer")
    case_status = django_filters.CharFilter(field_name="case__status", label="case status")
    person = django_filters.CharFilter(field_name="person__username", label="person")

    class Meta:
        model = Complaint
        fields = [
            "subject_kind",
            "outcome",
            "compensation_state",
            "customer",
            "case_status",
            "person",
        ]
