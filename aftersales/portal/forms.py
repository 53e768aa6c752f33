"""Forms of the customer portal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.cases.choices import CaseSeverity, CaseType
from aftersales.catalog.models import Asset
from aftersales.core.uploads import UploadValidator


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (photos, logs), each checked by size and content before
    anything is saved (aftersales.core.uploads)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("validators", [UploadValidator()])
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


REQUEST_TYPES = [
    (CaseType.FAULT, _("Something is broken (fault)")),
    (CaseType.CONSULTATION, _("A question (consultation)")),
    (CaseType.REMOTE_SUPPORT, _("Remote support")),
    (CaseType.WARRANTY_CLAIM, _("Warranty claim")),
    (CaseType.RETURN_EXCHANGE, _("Return or exchange")),
    (CaseType.COMPLAINT, _("Complaint")),
    (CaseType.INSTALLATION, _("Installation")),
    (CaseType.UPGRADE, _("Upgrade")),
]


class RequestForm(forms.Form):
    asset = forms.ModelChoiceField(
        label=_("Unit (serial number)"),
        queryset=Asset.objects.none(),
        required=False,
        to_field_name="serial_number",
        empty_label=_("No particular unit"),
    )
    case_type = forms.ChoiceField(label=_("What do you need?"), choices=REQUEST_TYPES)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=CaseSeverity.choices,
        initial=CaseSeverity.C3,
        widget=forms.Select(attrs={"data-severity": ""}),
    )
    confirm_c1 = forms.BooleanField(
        label=_(
            "Yes: the fault stops our business now (a whole system or a critical service is down)"
        ),
        required=False,
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea, max_length=20000)
    files = MultipleFileField(label=_("Photos or logs"), required=False)

    def __init__(self, *args: Any, assets: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if assets is not None:
            self.fields["asset"].queryset = assets

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("severity") == CaseSeverity.C1 and not data.get("confirm_c1"):
            self.add_error(
                "confirm_c1",
                _("Confirm that this is a C-1 emergency, or choose a lower severity."),
            )
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    files = MultipleFileField(label=_("Add files"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the service?"),
        choices=[(str(n), str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
