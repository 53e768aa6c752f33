from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.servicereports.models import ServiceReport

TEXT_FIELDS = ("problem", "diagnosis", "solution", "repair_process", "test_results")


class ReportForm(forms.ModelForm):
    class Meta:
        model = ServiceReport
        fields = list(TEXT_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in TEXT_FIELDS}


class PartForm(forms.Form):
    part = forms.CharField(label=_("Part"), max_length=100, required=False)
    serial_out = forms.CharField(label=_("Serial removed"), max_length=80, required=False)
    serial_in = forms.CharField(label=_("Serial installed"), max_length=80, required=False)


PartFormSet = forms.formset_factory(PartForm, extra=1, max_num=50, absolute_max=50)


class SignForm(forms.Form):
    signer_name = forms.CharField(label=_("Customer's name"), max_length=100)
    signer_email = forms.EmailField(
        label=_("E-mail for the PDF (optional)"),
        required=False,
        help_text=_("Empty: the case contact's e-mail."),
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class AddendumForm(forms.Form):
    text = forms.CharField(label=_("Addendum"), widget=forms.Textarea(attrs={"rows": 3}))
