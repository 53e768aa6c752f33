"""Warranty claims and quotes: the supervisor's decision, the remedy, the customer's yes or no.

A claim is a case of type ``warranty_claim``. Its assessment walks the seed's scope and
exclusions, decides covered / not covered / partly covered and the remedy (free repair, free
replacement, refund). The decision answers the customer (it meets the response clock) and starts
the remedy clock (72 hours by default); carrying out the remedy meets it. Work that is not
covered gets a quote the customer accepts or declines before the work continues (the case
waits for the customer meanwhile, so its clocks stand still).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseEventKind, CaseStatus, CaseType
from aftersales.cases.models import Attachment, Case
from aftersales.cases.services import case_transition
from aftersales.cases.services.common import ensure_can_view, record_event
from aftersales.catalog.entitlement import entitlement_at
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.sla import services as sla
from aftersales.sla.choices import SlaTargetKind
from aftersales.warranty.choices import (
    ClaimDecision,
    ClaimExclusion,
    ClaimRemedy,
    ClaimScope,
    QuoteLineKind,
    QuoteStatus,
)
from aftersales.warranty.models import ClaimAssessment, Quote, QuoteLine

CENT = Decimal("0.01")
# The largest amount a money column holds (MONEY: 12 digits, 2 after the point).
MONEY_MAX = Decimal("9999999999.99")
MAX_QUOTE_LINES = 50


def _ensure_claim(case: Case) -> None:
    if case.case_type != CaseType.WARRANTY_CLAIM:
        raise ValidationFailed(_("This case is not a warranty claim."))


def _money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(_("Enter an amount such as 1280.00."), field=field) from None
    if amount < 0 or (positive and amount == 0) or amount >= Decimal("1e10"):
        raise ValidationFailed(_("Enter an amount greater than zero."), field=field)
    return amount


def _codes(values: Iterable[str] | None, allowed: type, field: str) -> list[str]:
    chosen = list(dict.fromkeys(values or []))
    unknown = [v for v in chosen if v not in allowed.values]
    if unknown:
        raise ValidationFailed(
            _("Unknown value(s): %(values)s.") % {"values": ", ".join(map(str, unknown))},
            field=field,
        )
    return [v for v in allowed.values if v in chosen]  # the seed's order


def _labels(codes: Iterable[str], choices: type) -> str:
    return "；".join(str(choices(c).label) for c in codes)


def default_answer(
    *, decision: str, remedy: str, exclusions: list[str], refund: Decimal | None, in_warranty: bool
) -> str:
    """Return the answer the customer reads when the supervisor writes none (active language)."""
    if decision == ClaimDecision.NOT_COVERED:
        if exclusions:
            return _("Your claim is not covered by the warranty: %(reasons)s.") % {
                "reasons": _labels(exclusions, ClaimExclusion)
            }
        if not in_warranty:
            return _("Your claim is not covered: the unit was out of warranty when reported.")
        return _("Your claim is not covered: the fault is outside the warranty's scope.")
    remedy_text = str(ClaimRemedy(remedy).label)
    if remedy == ClaimRemedy.REFUND and refund is not None:
        remedy_text = _("a refund of %(amount)s yuan") % {"amount": f"{refund:.2f}"}
    if decision == ClaimDecision.PARTLY_COVERED:
        return _("Your claim is partly covered (%(reasons)s are excluded); remedy: %(remedy)s.") % {
            "reasons": _labels(exclusions, ClaimExclusion),
            "remedy": remedy_text,
        }
    return _("Your claim is covered by the warranty; remedy: %(remedy)s.") % {"remedy": remedy_text}


@dataclass(frozen=True)
class DecisionInput:
    decision: str
    scope: list[str]
    exclusions: list[str]
    remedy: str
    refund_amount: Decimal | None
    findings: str
    customer_answer: str
    evidence: list[int]


def _check_decision(data: dict[str, Any], *, in_warranty: bool) -> DecisionInput:
    decision = data.get("decision") or ""
    if decision not in ClaimDecision.values:
        raise ValidationFailed(
            _("Choose covered, not covered or partly covered."), field="decision"
        )
    scope = _codes(data.get("scope"), ClaimScope, "scope")
    exclusions = _codes(data.get("exclusions"), ClaimExclusion, "exclusions")
    remedy = data.get("remedy") or ""
    refund = data.get("refund_amount")
    errors: dict[str, list[Any]] = {}
    if decision == ClaimDecision.COVERED:
        if not in_warranty:
            errors["decision"] = [
                _(
                    "The unit was out of warranty when the claim was reported: "
                    "it cannot be fully covered."
                )
            ]
        if not scope:
            errors["scope"] = [_("Name what the warranty covers in this fault.")]
        if exclusions:
            errors["exclusions"] = [
                _("A covered claim has no exclusion; choose “partly covered” instead.")
            ]
    elif decision == ClaimDecision.PARTLY_COVERED:
        if not scope:
            errors["scope"] = [_("Name what the warranty covers in this fault.")]
        if not exclusions:
            errors["exclusions"] = [_("Name the exclusion that applies to the rest.")]
    elif not exclusions and in_warranty and scope:
        errors["exclusions"] = [
            _("Name the exclusion that applies (the customer is told which one).")
        ]
    if decision == ClaimDecision.NOT_COVERED:
        if remedy:
            errors["remedy"] = [_("A claim that is not covered has no remedy.")]
        if refund not in (None, ""):
            errors["refund_amount"] = [_("A claim that is not covered has no refund.")]
        remedy, refund = "", None
    else:
        if remedy not in ClaimRemedy.values:
            errors["remedy"] = [_("Choose free repair, free replacement or refund.")]
        elif remedy == ClaimRemedy.REFUND:
            if refund in (None, ""):
                errors["refund_amount"] = [_("Enter the amount to refund.")]
        elif refund not in (None, ""):
            errors["refund_amount"] = [_("Only a refund has an amount.")]
            refund = None
    if errors:
        raise ValidationFailed(errors=errors)
    amount = (
        _money(refund, "refund_amount", positive=True) if remedy == ClaimRemedy.REFUND else None
    )
    evidence = [int(pk) for pk in data.get("evidence") or []]
    return DecisionInput(
        decision=decision,
        scope=scope,
        exclusions=exclusions,
        remedy=remedy,
        refund_amount=amount,
        findings=(data.get("findings") or "").strip(),
        customer_answer=(data.get("customer_answer") or "").strip(),
        evidence=evidence,
    )


def claim_warranty_on_report(case: Case) -> tuple[bool, Any]:
    """Return whether the claimed unit was in warranty on the day the claim was reported."""
    if case.asset_id is None:
        return False, None
    day = timezone.localdate(case.reported_at)
    ent = entitlement_at(case.asset, day)
    return ent.hardware_warranty.active, ent.hardware_warranty.end


@transaction.atomic
def claim_decide(*, case: Case, by: User, **data: Any) -> ClaimAssessment:
    """Record the supervisor's decision on a warranty claim (a later call revises it).

    ``data``: decision, scope, exclusions, remedy, refund_amount, findings (internal),
    customer_answer (public; a default naming the exclusions is written when empty) and
    evidence (ids of the case's attachments). The answer goes to the customer's timeline and
    meets the response clock; a covered or partly covered claim starts the remedy clock.
    A revision is refused once the remedy was carried out.
    """
    if not has_capability(by, Capability.DECIDE_CLAIMS):
        raise NotAllowed(_("Only a supervisor decides warranty claims."))
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("asset__contract")
        .get(pk=case.pk)
    )
    _ensure_claim(case)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("The case is closed; reopen it to change the decision."))
    in_warranty, warranty_end = claim_warranty_on_report(case)
    data_in = _check_decision(data, in_warranty=in_warranty)
    evidence = list(Attachment.objects.filter(case=case, pk__in=data_in.evidence))
    if len(evidence) != len(set(data_in.evidence)):
        raise ValidationFailed(_("Evidence must be files of this case."), field="evidence")
    now = clock.now()
    previous = ClaimAssessment.objects.select_for_update().filter(case=case).first()
    if previous is not None and previous.remedy_done_at is not None:
        raise Conflict(_("The remedy was already carried out; the decision can no longer change."))
    language = getattr(case.contact, "language", "") or settings.LANGUAGE_CODE
    answer = data_in.customer_answer
    if not answer:
        with translation.override(language):
            answer = default_answer(
                decision=data_in.decision,
                remedy=data_in.remedy,
                exclusions=data_in.exclusions,
                refund=data_in.refund_amount,
                in_warranty=in_warranty,
            )
    assessment = previous or ClaimAssessment(case=case)
    assessment.warranty_active = in_warranty
    assessment.warranty_end = warranty_end
    assessment.scope = data_in.scope
    assessment.exclusions = data_in.exclusions
    assessment.findings = data_in.findings
    assessment.decision = data_in.decision
    assessment.remedy = data_in.remedy
    assessment.refund_amount = data_in.refund_amount
    assessment.customer_answer = answer
    assessment.decided_by = by
    assessment.decided_at = now
    assessment.revision = (previous.revision + 1) if previous else 1
    assessment.save()
    assessment.evidence.set(evidence)
    summary = {
        "decision": data_in.decision,
        "remedy": data_in.remedy,
        "refund_amount": str(data_in.refund_amount) if data_in.refund_amount else None,
        "exclusions": data_in.exclusions,
        "revision": assessment.revision,
    }
    record_event(
        case,
        CaseEventKind.CLAIM,
        by=by,
        at=now,
        is_public=True,
        note=answer,
        new_value=str(ClaimDecision(data_in.decision).label),
        data=summary,
    )
    record_event(
        case,
        CaseEventKind.CLAIM,
        by=by,
        at=now,
        is_public=False,
        note=_("Assessment: scope %(scope)s; exclusions %(exclusions)s. %(findings)s")
        % {
            "scope": _labels(data_in.scope, ClaimScope) or "—",
            "exclusions": _labels(data_in.exclusions, ClaimExclusion) or "—",
            "findings": data_in.findings,
        },
        data={**summary, "scope": data_in.scope, "evidence": [a.pk for a in evidence]},
    )
    if case.status == CaseStatus.NEW:
        case_transition(case=case, to=CaseStatus.RESPONDED, by=by)
        case.refresh_from_db()
    sla.sla_meet(
        case=case, targets=[SlaTargetKind.RESPONSE], by=by, at=now, reason=_("claim decided")
    )
    if assessment.needs_remedy:
        sla.sla_start_target(
            case=case, target=SlaTargetKind.REMEDY, by=by, at=now, reason=_("claim decided")
        )
    return assessment


@transaction.atomic
def claim_remedy_done(*, case: Case, by: User, note: str = "") -> ClaimAssessment:
    """Record that the decided remedy was carried out (meets the remedy clock)."""
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not work on cases."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    _ensure_claim(case)
    assessment = ClaimAssessment.objects.select_for_update().filter(case=case).first()
    if assessment is None:
        raise Conflict(_("The claim has not been decided yet."), code="not_decided")
    if not assessment.needs_remedy:
        raise Conflict(_("A claim that is not covered has no remedy to carry out."))
    if assessment.remedy_done_at is not None:
        raise Conflict(_("The remedy was already recorded as carried out."), code="already_done")
    now = clock.now()
    assessment.remedy_done_at, assessment.remedy_done_by = now, by
    assessment.remedy_note = (note or "").strip()
    assessment.save(update_fields=["remedy_done_at", "remedy_done_by", "remedy_note"])
    record_event(
        case,
        CaseEventKind.CLAIM,
        by=by,
        at=now,
        is_public=True,
        note=(
            _("Remedy carried out: %(remedy)s.") % {"remedy": ClaimRemedy(assessment.remedy).label}
            + (f" {assessment.remedy_note}" if assessment.remedy_note else "")
        ),
        new_value=str(ClaimRemedy(assessment.remedy).label),
        data={"remedy_done": True},
    )
    sla.sla_meet(
        case=case, targets=[SlaTargetKind.REMEDY], by=by, at=now, reason=_("remedy carried out")
    )
    return assessment


def _quote_number(case: Case) -> str:
    count = Quote.objects.filter(case=case).count()
    return f"Q-{case.number}-{count + 1}"


@transaction.atomic
def quote_create(
    *,
    case: Case,
    by: User,
    lines: list[dict[str, Any]],
    note: str = "",
    valid_days: int | None = None,
) -> Quote:
    """Send the customer a quote (parts, labour, travel) for work not covered.

    A previous quote still waiting is withdrawn. The case moves to “waiting for the customer”
    (its clocks stand still) until the customer accepts or declines.
    """
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not work on cases."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise Conflict(_("The case is resolved; reopen it before quoting."))
    if not lines:
        raise ValidationFailed(_("Add at least one line."), field="lines")
    if len(lines) > MAX_QUOTE_LINES:
        raise ValidationFailed(_("At most %(n)d lines.") % {"n": MAX_QUOTE_LINES}, field="lines")
    rows = []
    for index, line in enumerate(lines, start=1):
        kind = line.get("kind")
        description = (line.get("description") or "").strip()
        if kind not in QuoteLineKind.values:
            raise ValidationFailed(
                _("Line %(n)d: choose parts, labour or travel.") % {"n": index}, field="lines"
            )
        if not description or len(description) > 200:
            raise ValidationFailed(
                _("Line %(n)d: describe it (at most 200 characters).") % {"n": index},
                field="lines",
            )
        quantity = _money(line.get("quantity"), "lines", positive=True)
        price = _money(line.get("unit_price"), "lines")
        rows.append(
            QuoteLine(kind=kind, description=description, quantity=quantity, unit_price=price)
        )
    days = (
        valid_days if valid_days is not None else getattr(settings, "WARRANTY_QUOTE_VALID_DAYS", 15)
    )
    if not 1 <= int(days) <= 365:
        raise ValidationFailed(_("A quote is valid for 1 to 365 days."), field="valid_days")
    now = clock.now()
    Quote.objects.filter(case=case, status=QuoteStatus.SENT).update(
        status=QuoteStatus.WITHDRAWN, decided_at=now, decided_by=by
    )
    total = sum((r.quantity * r.unit_price).quantize(CENT) for r in rows)
    if total > MONEY_MAX:
        # Each line fits its columns, but the amounts they make may not fit the quote's total.
        raise ValidationFailed(
            _("The quote's total may be at most %(max)s.") % {"max": f"{MONEY_MAX:,}"},
            field="lines",
        )
    quote = Quote.objects.create(
        number=_quote_number(case),
        case=case,
        total=total,
        note=(note or "").strip(),
        valid_until=timezone.localdate(now) + timedelta(days=int(days)),
        created_by=by,
        created_at=now,
    )
    for row in rows:
        row.quote = quote
    QuoteLine.objects.bulk_create(rows)
    record_event(
        case,
        CaseEventKind.QUOTE,
        by=by,
        at=now,
        is_public=True,
        note=_(
            "Quote %(number)s: %(total)s yuan, valid until %(until)s. Please accept or decline it."
        )
        % {"number": quote.number, "total": f"{total:.2f}", "until": quote.valid_until},
        new_value=quote.number,
        data={"quote": quote.number, "total": str(total), "status": QuoteStatus.SENT},
    )
    if case.status == CaseStatus.NEW:
        case = case_transition(case=case, to=CaseStatus.RESPONDED, by=by)
    if case.status != CaseStatus.WAITING_CUSTOMER:
        case_transition(
            case=case,
            to=CaseStatus.WAITING_CUSTOMER,
            by=by,
            note=_("Waiting for the customer to accept or decline quote %(number)s.")
            % {"number": quote.number},
        )
    return quote


@transaction.atomic
def quote_decide(*, quote: Quote, by: User, accept: bool, note: str = "") -> Quote:
    """The customer accepts or declines a quote (staff may record the answer given by phone).

    Either answer hands the case back to work (“in progress”); an accepted quote lets the work
    continue, a declined one leaves it to the engineer to return or close.
    """
    quote = Quote.objects.select_for_update(of=("self",)).select_related("case").get(pk=quote.pk)
    case = quote.case
    ensure_can_view(user=by, case=case)
    if not (by.is_customer_contact or has_capability(by, Capability.WORK_CASES)):
        raise NotAllowed(_("You may not answer quotes."))
    if quote.status != QuoteStatus.SENT:
        raise Conflict(
            _("This quote was already answered or withdrawn (%(status)s).")
            % {"status": QuoteStatus(quote.status).label},
            code="quote_closed",
        )
    if clock.today() > quote.valid_until:
        raise Conflict(
            _("This quote expired on %(day)s; ask for a new one.") % {"day": quote.valid_until},
            code="quote_expired",
        )
    now = clock.now()
    quote.status = QuoteStatus.ACCEPTED if accept else QuoteStatus.DECLINED
    quote.decided_by, quote.decided_at = by, now
    quote.decision_note = (note or "").strip()[:2000]
    quote.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    on_behalf = "" if by.is_customer_contact else _(" (recorded by staff)")
    text = (
        _("Quote %(number)s accepted%(behalf)s.")
        if accept
        else _("Quote %(number)s declined%(behalf)s.")
    ) % {"number": quote.number, "behalf": on_behalf}
    record_event(
        case,
        CaseEventKind.QUOTE,
        by=by,
        at=now,
        is_public=True,
        note=f"{text} {quote.decision_note}".strip(),
        new_value=str(QuoteStatus(quote.status).label),
        data={"quote": quote.number, "status": quote.status},
    )
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.WAITING_CUSTOMER:
        case_transition(case=case, to=CaseStatus.IN_PROGRESS, by=by, note=text)
    return quote
