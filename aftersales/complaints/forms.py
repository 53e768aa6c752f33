"""Page forms of complaints: they check the shape of input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import STAFF_ROLES
from aftersales.accounts.models import User
from aftersales.catalog.models import Asset, Product
from aftersales.complaints.choices import CompensationKind, ComplaintSubject
from aftersales.portal.forms import MultipleFileField

YES_NO = [("1", _("yes")), ("0", _("no"))]


def _yes(value: str) -> bool:
    return value == "1"


class ComplaintForm(forms.Form):
    """A customer's complaint from the portal."""

    subject_kind = forms.ChoiceField(
        label=_("What is your complaint about?"), choices=ComplaintSubject.choices
    )
    asset = forms.ModelChoiceField(
        label=_("Unit (serial number)"),
        queryset=Asset.objects.none(),
        required=False,
        to_field_name="serial_number",
        empty_label=_("No particular unit"),
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    description = forms.CharField(
        label=_("What happened? (for a person: their name, the date and place)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )
    files = MultipleFileField(label=_("Photos or documents"), required=False)

    def __init__(self, *args: Any, assets: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if assets is not None:
            self.fields["asset"].queryset = assets


class SubjectForm(forms.Form):
    subject_kind = forms.ChoiceField(label=_("Complaint about"), choices=ComplaintSubject.choices)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, to_field_name="code"
    )
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username"),
        required=False,
        to_field_name="username",
    )


class InvestigateForm(forms.Form):
    notes = forms.CharField(
        label=_("Investigation notes (internal)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    root_cause = forms.CharField(
        label=_("Root cause"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConcludeForm(forms.Form):
    at_fault = forms.TypedChoiceField(
        label=_("Was the company at fault?"), choices=YES_NO, coerce=_yes
    )
    root_cause = forms.CharField(
        label=_("Root cause"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompensationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Compensation"), choices=CompensationKind.choices)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class CompensationDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Approve the compensation?"), choices=YES_NO, coerce=_yes
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the customer"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
