from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SCORES = [(str(n), str(n)) for n in range(5, 0, -1)]


class SurveyForm(forms.Form):
    """One field per question of the survey's questionnaire, in the reader's language."""

    def __init__(self, *args: Any, questions: list[Any] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        language = get_language() or "zh-hans"
        for q in questions:
            if q.kind == "score":
                self.fields[q.code] = forms.ChoiceField(
                    label=q.text(language),
                    choices=SCORES,
                    required=q.required,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[q.code] = forms.CharField(
                    label=q.text(language),
                    required=q.required,
                    max_length=5000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )


class FollowUpCallForm(forms.Form):
    notes = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 3})
    )
    close = forms.BooleanField(label=_("Close the follow-up"), required=False)
