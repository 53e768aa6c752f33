"""Page forms of returns: they check the shape of input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import Asset, Product
from aftersales.portal.forms import MultipleFileField
from aftersales.returns.choices import ReturnKind, ReturnReason


class ReturnRequestForm(forms.Form):
    """A customer's request: a unit by serial number, or an order line."""

    kind = forms.ChoiceField(label=_("Return or exchange?"), choices=ReturnKind.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.choices)
    asset = forms.ModelChoiceField(
        label=_("Unit (serial number)"),
        queryset=Asset.objects.none(),
        required=False,
        to_field_name="serial_number",
        empty_label=_("Not a registered unit: an order line"),
    )
    order_reference = forms.CharField(label=_("Order reference"), max_length=64, required=False)
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        required=False,
        to_field_name="code",
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1, required=False)
    delivered_on = forms.DateField(
        label=_("Delivery date of the order line"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = forms.CharField(
        label=_("What is wrong?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    files = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, assets: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if assets is not None:
            self.fields["asset"].queryset = assets
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("asset") is None:
            if not data.get("order_reference"):
                self.add_error("order_reference", _("Choose a unit, or give the order reference."))
            if data.get("product") is None:
                self.add_error("product", _("Name the product of the order line."))
        return data


class OverrideForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("eligible")), ("0", _("not eligible"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason for the override"), max_length=4000)


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note to the customer"), max_length=4000, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the customer)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReceiveForm(forms.Form):
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    condition_notes = forms.CharField(
        label=_("Condition"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InspectForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("passed")), ("0", _("failed"))],
        coerce=lambda v: v == "1",
    )
    findings = forms.CharField(
        label=_("Findings"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Refund amount"), min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), max_length=4000, required=False)


class ExchangeForm(forms.Form):
    replacement_serial = forms.CharField(label=_("Replacement serial number"), max_length=64)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False)


class ReturnDetailsForm(forms.Form):
    """Staff record the details of a return case opened without them."""

    kind = forms.ChoiceField(label=_("Return or exchange?"), choices=ReturnKind.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.choices)
    order_reference = forms.CharField(
        label=_("Order reference (no unit on the case)"), max_length=64, required=False
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, to_field_name="code"
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    delivered_on = forms.DateField(
        label=_("Delivery date of the order line"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
