"""Forms of the claim and quote panels (the services validate the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.warranty.choices import (
    ClaimDecision,
    ClaimExclusion,
    ClaimRemedy,
    ClaimScope,
    QuoteLineKind,
)


class ClaimDecisionForm(forms.Form):
    scope = forms.MultipleChoiceField(
        label=_("Covered by the warranty (scope)"),
        choices=ClaimScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exclusions = forms.MultipleChoiceField(
        label=_("Exclusions that apply"),
        choices=ClaimExclusion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    findings = forms.CharField(
        label=_("Findings (internal)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.MultipleChoiceField(
        label=_("Evidence"), required=False, widget=forms.CheckboxSelectMultiple
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=ClaimDecision.choices)
    remedy = forms.ChoiceField(
        label=_("Remedy"), choices=[("", "—"), *ClaimRemedy.choices], required=False
    )
    refund_amount = forms.DecimalField(
        label=_("Refund amount (yuan)"), required=False, min_value=0, decimal_places=2
    )
    customer_answer = forms.CharField(
        label=_("Answer to the customer"),
        required=False,
        max_length=10000,
        help_text=_("Empty: a standard answer naming the decision and any exclusion."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, attachments: list[Any] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [(str(a.pk), a.name) for a in attachments]


class RemedyDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, max_length=5000)


class QuoteForm(forms.Form):
    """Up to three lines: parts, labour and travel (the API takes any number)."""

    note = forms.CharField(label=_("Note to the customer"), required=False, max_length=2000)
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365)

    LINES = (QuoteLineKind.PARTS, QuoteLineKind.LABOUR, QuoteLineKind.TRAVEL)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for kind in self.LINES:
            self.fields[f"{kind}_description"] = forms.CharField(
                label=QuoteLineKind(kind).label, required=False, max_length=200
            )
            self.fields[f"{kind}_quantity"] = forms.DecimalField(
                label=_("Quantity"), required=False, decimal_places=2, min_value=0
            )
            self.fields[f"{kind}_unit_price"] = forms.DecimalField(
                label=_("Unit price"), required=False, decimal_places=2, min_value=0
            )

    def lines(self) -> list[dict[str, Any]]:
        rows = []
        for kind in self.LINES:
            description = self.cleaned_data.get(f"{kind}_description") or ""
            if not description.strip():
                continue
            rows.append(
                {
                    "kind": kind,
                    "description": description,
                    "quantity": self.cleaned_data.get(f"{kind}_quantity") or 1,
                    "unit_price": self.cleaned_data.get(f"{kind}_unit_price") or 0,
                }
            )
        return rows

    def line_rows(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (
                QuoteLineKind(kind).label,
                self[f"{kind}_description"],
                self[f"{kind}_quantity"],
                self[f"{kind}_unit_price"],
            )
            for kind in self.LINES
        ]


class QuoteAnswerForm(forms.Form):
    note = forms.CharField(label=_("Your note"), required=False, max_length=2000)
