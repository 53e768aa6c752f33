"""The claim and quote panels on the console and portal case pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import selectors as case_selectors
from aftersales.cases.choices import CaseType
from aftersales.core.panels import has_rows, track
from aftersales.warranty import selectors, services
from aftersales.warranty.choices import ClaimExclusion, ClaimScope
from aftersales.warranty.forms import ClaimDecisionForm, QuoteAnswerForm, QuoteForm, RemedyDoneForm
from aftersales.warranty.models import Quote

track(Quote)


def _quotes(case: Any) -> list[Quote]:
    return list(selectors.case_quotes(case=case)) if has_rows(case, Quote) else []


def _claim_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    assessment = selectors.claim_assessment(case=case)
    in_warranty, warranty_end = services.claim_warranty_on_report(case)
    return {
        "case": case,
        "assessment": assessment,
        "in_warranty": in_warranty,
        "warranty_end": warranty_end,
        "scope_labels": [ClaimScope(c).label for c in (assessment.scope if assessment else [])],
        "exclusion_labels": [
            ClaimExclusion(c).label for c in (assessment.exclusions if assessment else [])
        ],
    }


def console_panel(request: HttpRequest, case: Any) -> str | None:
    user = request.user
    quotes = _quotes(case)
    is_claim = case.case_type == CaseType.WARRANTY_CLAIM
    can_work = has_capability(user, Capability.WORK_CASES)
    context: dict[str, Any] = {"case": case, "quotes": quotes, "is_claim": is_claim}
    if is_claim:
        context.update(_claim_context(request, case))
        assessment = context["assessment"]
        if has_capability(user, Capability.DECIDE_CLAIMS) and not (
            assessment and assessment.remedy_done_at
        ):
            attachments = list(case_selectors.case_attachments(case=case, user=user))  # type: ignore[arg-type]
            initial = {}
            if assessment is not None:
                initial = {
                    "scope": assessment.scope,
                    "exclusions": assessment.exclusions,
                    "findings": assessment.findings,
                    "decision": assessment.decision,
                    "remedy": assessment.remedy,
                    "refund_amount": assessment.refund_amount,
                    "evidence": [str(a.pk) for a in assessment.evidence.all()],
                }
            context["decision_form"] = ClaimDecisionForm(
                prefix="claim", attachments=attachments, initial=initial
            )
        if can_work and assessment and assessment.needs_remedy and not assessment.remedy_done_at:
            context["remedy_form"] = RemedyDoneForm(prefix="remedy")
    if can_work and case.status not in ("resolved", "closed"):
        context["quote_form"] = QuoteForm(
            prefix="quote",
            initial={"valid_days": getattr(settings, "WARRANTY_QUOTE_VALID_DAYS", 15)},
        )
    if not is_claim and not quotes and "quote_form" not in context:
        return None
    return render_to_string("warranty/console_panel.html", context, request=request)


def portal_panel(request: HttpRequest, case: Any) -> str | None:
    quotes = _quotes(case)
    is_claim = case.case_type == CaseType.WARRANTY_CLAIM
    if not is_claim and not quotes:
        return None
    context: dict[str, Any] = {
        "case": case,
        "quotes": quotes,
        "is_claim": is_claim,
        "answer_form": QuoteAnswerForm(prefix="answer"),
    }
    if is_claim:
        context.update(_claim_context(request, case))
    return render_to_string("warranty/portal_panel.html", context, request=request)
