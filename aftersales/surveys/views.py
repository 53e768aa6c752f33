"""The survey page customers open from the e-mail link, and the supervisors' follow-ups."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error, report_form_errors
from aftersales.surveys import selectors, services
from aftersales.surveys.forms import FollowUpCallForm, SurveyForm
from aftersales.surveys.models import FollowUp, Survey


def survey(request: HttpRequest, token: str) -> HttpResponse:
    """Answer a survey: the private link is the key (contacts need no portal account)."""
    item = (
        Survey.objects.select_related("customer", "case", "questionnaire")
        .filter(token=token)
        .first()
    )
    if item is None:
        raise Http404
    questions = list(item.questionnaire.questions.all())
    closed = item.status != Survey.Status.INVITED or item.expires_at <= clock.now()
    form = SurveyForm(request.POST or None, questions=questions)
    if request.method == "POST" and not closed:
        if form.is_valid():
            try:
                services.survey_answer(
                    survey=item,
                    answers=form.cleaned_data,
                    by=request.user if request.user.is_authenticated else None,
                )
            except DomainError as exc:
                report_domain_error(request, exc)
            else:
                return render(request, "surveys/thanks.html", {"survey": item})
        else:
            report_form_errors(request, form)
    return render(request, "surveys/survey.html", {"survey": item, "form": form, "closed": closed})


@staff_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.open_follow_ups(user=request.user))
    return render(
        request,
        "surveys/follow_ups.html",
        {"rows": rows, "form": FollowUpCallForm(prefix="call"), "nav": "follow-ups"},
    )


@require_POST
@staff_required
def follow_up_call(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = FollowUp.objects.filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    form = FollowUpCallForm(request.POST, prefix="call")
    if form.is_valid():
        try:
            services.follow_up_call(
                follow_up=follow_up,
                by=request.user,
                notes=form.cleaned_data["notes"],
                close=form.cleaned_data["close"],
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Call logged."))
    else:
        report_form_errors(request, form)
    return redirect("surveys:follow-ups")
