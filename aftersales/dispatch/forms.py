from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.dispatch.choices import VisitKind


class DispatchForm(forms.Form):
    engineer = forms.ChoiceField(label=_("Engineer"))
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices, initial=VisitKind.ONSITE)
    planned_at = forms.DateTimeField(
        label=_("Planned for"),
        required=False,
        help_text=_("Empty: the engineer's ETA."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, candidates: list[Any] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["engineer"].choices = [
            (c.engineer.username, c.engineer.get_full_name() or c.engineer.username)
            for c in candidates
            if c.available
        ]


class DepartForm(forms.Form):
    work_performed = forms.CharField(
        label=_("Work performed"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    part = forms.CharField(label=_("Part replaced"), required=False, max_length=100)
    serial_out = forms.CharField(label=_("Serial removed"), required=False, max_length=80)
    serial_in = forms.CharField(label=_("Serial installed"), required=False, max_length=80)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)
