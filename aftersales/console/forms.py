"""Forms of the agent console: they check the shape of input; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import STAFF_ROLES
from aftersales.accounts.models import Team, User
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus, CaseType
from aftersales.catalog.choices import CoverageKind, ServiceLevel
from aftersales.catalog.models import Asset
from aftersales.core.uploads import UploadValidator
from aftersales.customers.models import Contact, Customer, Site


def staff_users() -> Any:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username")


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Return ``attrs`` as django/forms/widgets/attrs.html renders them."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class QuickSelect(forms.Select):
    """A ``<select>`` with the markup of Django's templates (select.html, select_option.html),
    built in Python: the template language costs one include per option, and a case page
    renders dozens of options (every staff member in the assignee list)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    option["value"],
                    _attrs(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")  # the form renderer strips the template's last newline
        return mark_safe("".join(parts))  # noqa: S308 -- every part went through format_html


class ListModelChoiceIterator(ModelChoiceIterator):
    """Choices from one ordinary query (Django's iterator() opens a server-side cursor on
    PostgreSQL: DECLARE, FETCH and CLOSE for a list of a few dozen rows)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class QuickModelChoiceField(forms.ModelChoiceField):
    """A model choice rendered with :class:`QuickSelect` from one ordinary query."""

    iterator = ListModelChoiceIterator
    widget = QuickSelect


class CaseNewForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    asset = forms.ModelChoiceField(
        label=_("Asset"),
        queryset=Asset.objects.none(),
        required=False,
        to_field_name="serial_number",
    )
    case_type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices, initial=CaseType.FAULT)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=CaseChannel.choices, initial=CaseChannel.PHONE
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=CaseSeverity.choices, initial=CaseSeverity.C3
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=20000
    )
    reported_at = forms.DateTimeField(
        label=_("Reported at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. For a fax or letter, when it arrived."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=staff_users(), required=False, to_field_name="username"
    )
    attachment = forms.FileField(
        label=_("Scanned document or file"), required=False, validators=[UploadValidator()]
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users()
        code = self.data.get("customer") or self.initial.get("customer")
        customer = (
            Customer.objects.filter(code=getattr(code, "code", code)).first() if code else None
        )
        if customer is not None:
            self.fields["contact"].queryset = customer.contacts.all()
            self.fields["site"].queryset = customer.sites.all()
            self.fields["asset"].queryset = customer.assets.select_related("product", "contract")

    def clean_reported_at(self) -> Any:
        value = self.cleaned_data.get("reported_at")
        return value or timezone.now()


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    public = forms.TypedChoiceField(
        label=_("Visibility"),
        choices=[("1", _("Public reply to the customer")), ("0", _("Internal note"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=QuickSelect,
    )
    attachment = forms.FileField(
        label=_("Attach a file"), required=False, validators=[UploadValidator()]
    )


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=CaseStatus.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000
    )
    version = forms.IntegerField(min_value=1)


class UpdateForm(forms.Form):
    """Assignment, team, severity and cause, from the case page (version: stale-edit check)."""

    assignee = QuickModelChoiceField(
        label=_("Assignee"), queryset=staff_users(), required=False, to_field_name="username"
    )
    team = QuickModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=CaseSeverity.choices, widget=QuickSelect
    )
    cause = forms.CharField(
        label=_("Fault cause"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=20000,
    )
    version = forms.IntegerField(min_value=1)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users()


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AttachForm(forms.Form):
    attachment = forms.FileField(label=_("File"), validators=[UploadValidator()])
    public = forms.TypedChoiceField(
        label=_("Visibility"),
        choices=[("1", _("Visible to the customer")), ("0", _("Internal"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=QuickSelect,
    )


class ExtensionForm(forms.Form):
    """Extend or renew an asset's hardware warranty or software-upgrade entitlement."""

    kind = forms.ChoiceField(label=_("Coverage"), choices=CoverageKind.choices)
    start = forms.DateField(
        label=_("First covered day"),
        required=False,
        help_text=_("Empty: the day after the current coverage ends (today if it has lapsed)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Last covered day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class RenewalWindowForm(forms.Form):
    within = forms.IntegerField(label=_("Ending within (days)"), min_value=0, max_value=3650)


class RenewForm(forms.Form):
    """Renew a service contract to a new end date."""

    end_date = forms.DateField(
        label=_("New end date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    service_level = forms.ChoiceField(
        label=_("Service level"),
        choices=[("", _("unchanged")), *ServiceLevel.choices],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)
