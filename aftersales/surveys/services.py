"""Customers' ratings of resolved cases, satisfaction surveys with reminders and expiry,
low-score follow-ups and campaigns."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.cases.choices import CaseEventKind, CaseStatus
from aftersales.cases.services import ensure_can_view, record_event
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.notifications.choices import EventKind
from aftersales.surveys.models import (
    Answer,
    Campaign,
    FollowUp,
    FollowUpCall,
    Questionnaire,
    Rating,
    Survey,
)

MAX_COMMENT = 2000


@transaction.atomic
def case_rate(*, case: Any, by: Any, score: int, comment: str = "") -> Rating:
    """Record the customer's rating (1–5 and a comment) of a resolved or closed case, once.

    Only a contact of the case's organisation rates it. Raises NotAllowed, ValidationFailed,
    Conflict (already rated).
    """
    ensure_can_view(user=by, case=case)
    if not by.is_customer_contact:
        raise NotAllowed(_("Only the customer rates the service."))
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise ValidationFailed(_("A case can be rated once it is resolved."), field="score")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(_("Choose a score from 1 to 5."), field="score")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(
            _("Ensure this field has no more than %(limit)d characters.") % {"limit": MAX_COMMENT},
            field="comment",
        )
    now = clock.now()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case, score=score, comment=comment, rated_by=by, created_at=now
            )
    except IntegrityError:
        raise Conflict(_("This case has already been rated."), code="already_rated") from None
    record_event(
        case,
        CaseEventKind.RATED,
        by=by,
        at=now,
        new_value=str(score),
        note=comment,
        data={"score": score},
    )
    return rating


# --- Satisfaction surveys ----------------------------------------------------------------------


def survey_settings() -> dict[str, int]:
    """Days to remind and to expire, and the overall score at or below which a supervisor
    follows up (``SURVEYS_*`` settings)."""
    return {
        "remind_after_days": int(getattr(settings, "SURVEYS_REMIND_AFTER_DAYS", 2)),
        "expire_after_days": int(getattr(settings, "SURVEYS_EXPIRE_AFTER_DAYS", 7)),
        "low_score": int(getattr(settings, "SURVEYS_LOW_SCORE", 2)),
    }


def survey_url(survey: Survey) -> str:
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/surveys/{survey.token}/"


@dataclass(frozen=True)
class _Reader:
    """Who reads a survey's invitation and how: the contact's portal account (when one has the
    contact's e-mail address at the same customer), the channels their preferences (else their
    organisation's, else the shipped default) choose for survey invitations, language and zone."""

    account: Any
    channels: frozenset[str]
    language: str
    zone: Any
    phone: str


def _reader(survey: Survey) -> _Reader:
    from aftersales.accounts.choices import UserRole
    from aftersales.accounts.models import User
    from aftersales.accounts.selectors import user_zone
    from aftersales.notifications.selectors import preference_book, user_language

    contact = survey.contact
    account = None
    if contact is not None and contact.email:
        account = (
            User.objects.filter(
                role=UserRole.CUSTOMER_CONTACT,
                is_active=True,
                customer_id=survey.customer_id,
                email__iexact=contact.email,
            )
            .order_by("pk")
            .first()
        )
    book = preference_book(
        user_ids={account.pk} if account is not None else set(),
        customer_ids={survey.customer_id},
    )
    channels = book.channels(
        EventKind.SURVEY_INVITATION, user=account, customer_id=survey.customer_id
    )
    if account is not None:
        language, zone = user_language(account), user_zone(account)
    else:
        language, zone = book.customer_language(survey.customer_id), user_zone(None)
    mobile = (contact.mobile if contact is not None else "") or (
        account.phone if account is not None else ""
    )
    return _Reader(
        account=account,
        channels=channels,
        language=language,
        zone=zone,
        phone="".join((mobile or "").split()),
    )


def _queue_sms(survey: Survey, *, reminder: bool, now: Any) -> None:
    """Queue the invitation (or the reminder) as an SMS in the notifications delivery log.

    Called in the transaction that creates the survey (or marks it reminded): the delivery task
    sends it with its retries, and the dedupe key — one per survey, step and channel — makes a
    second call a no-op, so a case gets exactly one invitation and one reminder by SMS. Nothing
    is queued when the reader's preferences leave SMS out; a missing mobile number is recorded
    as a skipped delivery (visible in the delivery log), as the notifications app does.
    """
    from aftersales.notifications.choices import Channel, DeliveryStatus
    from aftersales.notifications.models import Delivery
    from aftersales.notifications.services.rendering import render_sms

    reader = _reader(survey)
    if Channel.SMS not in reader.channels:
        return
    step = "reminder" if reminder else "invitation"
    common: dict[str, Any] = {
        "kind": EventKind.SURVEY_INVITATION,
        "case": survey.case if survey.case_id else None,
        "channel": Channel.SMS,
        "user": reader.account,
        "contact": survey.contact,
        "language": reader.language,
        "dedupe_key": f"survey:{survey.pk}:{step}:sms",
        "created_at": now,
    }
    if not reader.phone:
        delivery = Delivery(
            **common,
            address="",
            status=DeliveryStatus.SKIPPED,
            last_error=str(_("No mobile number on file.")),
        )
    else:
        context = {
            "survey": survey,
            "reminder": reminder,
            "number": survey.case.number if survey.case_id else "",
            "customer_name": survey.customer.name,
            "survey_url": survey_url(survey),
            "expires_at": survey.expires_at,
        }
        text = render_sms("survey_invitation", context, language=reader.language, zone=reader.zone)
        delivery = Delivery(**common, address=reader.phone, body=text, next_attempt_at=now)
    Delivery.objects.bulk_create([delivery], ignore_conflicts=True)


def _send_invitation(survey_id: int, *, reminder: bool) -> None:
    """E-mail the invitation (or the reminder) now, unless the reader chose no e-mail for
    survey invitations. Runs after the commit that created (or reminded) the survey."""
    survey = (
        Survey.objects.select_related("customer", "case", "contact").filter(pk=survey_id).first()
    )
    if survey is None or not survey.email or survey.status != Survey.Status.INVITED:
        return
    from aftersales.notifications.choices import Channel

    if Channel.EMAIL not in _reader(survey).channels:
        return
    about = f"[{survey.case.number}] " if survey.case_id else ""
    subject = (
        about
        + ("满意度调查提醒 / Reminder: " if reminder else "满意度调查 / ")
        + ("请评价我们的服务 / Please rate our service")
    )
    body = (
        f"{survey.customer.name}：\n\n"
        "感谢您使用我们的售后服务。请花一分钟评价本次服务：\n"
        f"{survey_url(survey)}\n\n"
        f"Please rate our service: {survey_url(survey)}\n"
    )
    EmailMessage(
        subject=subject,
        body=body,
        from_email=getattr(settings, "NOTIFICATIONS_FROM_EMAIL", None)
        or settings.DEFAULT_FROM_EMAIL,
        to=[survey.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send(fail_silently=True)


def _new_survey(**fields: Any) -> Survey:
    now = clock.now()
    days = survey_settings()["expire_after_days"]
    return Survey.objects.create(
        token=secrets.token_urlsafe(24),
        sent_at=now,
        expires_at=now + timedelta(days=days),
        **fields,
    )


def surveys_invite_resolved(*, now: Any = None, within_days: int = 7) -> int:
    """Invite the customer of every case resolved in the last ``within_days`` days that has no
    survey yet: the case's contact by e-mail and, when they have a mobile number and their
    notification preferences allow it, by SMS; portal users also see it on the case page.

    Exactly one survey per case: the case is unique on the survey, so a second run (or a second
    worker) writes nothing more.
    """
    now = now or clock.now()
    questionnaire = Questionnaire.objects.filter(is_default=True, is_active=True).first()
    if questionnaire is None:
        return 0
    from aftersales.cases.models import Case

    cases = (
        Case.objects.filter(
            status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED],
            resolved_at__gte=now - timedelta(days=within_days),
            survey__isnull=True,
        )
        .select_related("customer", "contact", "assignee")
        .order_by("resolved_at")[:500]
    )
    created = 0
    for case in cases:
        try:
            with transaction.atomic():
                survey = _new_survey(
                    questionnaire=questionnaire,
                    case=case,
                    customer=case.customer,
                    contact=case.contact,
                    email=(case.contact.email if case.contact_id else ""),
                )
                engineers = {case.assignee_id} if case.assignee_id else set()
                engineers |= set(case.visits.values_list("engineer_id", flat=True))
                survey.engineers.set([e for e in engineers if e])
                _queue_sms(survey, reminder=False, now=survey.sent_at)
                survey_id = survey.pk
                transaction.on_commit(lambda sid=survey_id: _send_invitation(sid, reminder=False))
        except IntegrityError:  # another worker invited this case first
            continue
        created += 1
    return created


def surveys_remind_and_expire(*, now: Any = None) -> tuple[int, int]:
    """Remind once after ``SURVEYS_REMIND_AFTER_DAYS`` (on the invitation's channels); expire
    unanswered surveys."""
    now = now or clock.now()
    remind_after = timedelta(days=survey_settings()["remind_after_days"])
    expired = Survey.objects.filter(status=Survey.Status.INVITED, expires_at__lte=now).update(
        status=Survey.Status.EXPIRED
    )
    due = list(
        Survey.objects.filter(
            status=Survey.Status.INVITED, reminded_at__isnull=True, sent_at__lte=now - remind_after
        ).values_list("pk", flat=True)[:500]
    )
    reminded = 0
    for pk in due:
        with transaction.atomic():
            claimed = Survey.objects.filter(
                pk=pk, status=Survey.Status.INVITED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue  # another worker reminded it first
            survey = Survey.objects.select_related("customer", "case", "contact").get(pk=pk)
            _queue_sms(survey, reminder=True, now=now)
            transaction.on_commit(lambda sid=pk: _send_invitation(sid, reminder=True))
        reminded += 1
    return reminded, expired


@transaction.atomic
def survey_answer(*, survey: Survey, answers: dict[str, Any], by: Any = None) -> Survey:
    """Record the answers (question code → score 1–5 or text) of an invited survey, once.

    The overall score also becomes the case's rating when the case has none; a score at or
    below ``SURVEYS_LOW_SCORE`` opens a follow-up for the region's supervisor.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == Survey.Status.ANSWERED:
        raise Conflict(_("This survey was already answered. Thank you."), code="answered")
    now = clock.now()
    if survey.status == Survey.Status.EXPIRED or survey.expires_at <= now:
        raise Conflict(_("This survey has expired."), code="expired")
    questions = list(survey.questionnaire.questions.all())
    rows, errors = [], {}
    overall = None
    for question in questions:
        value = answers.get(question.code)
        if question.kind == "score":
            try:
                score = int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                score = -1
            if score is None and question.required:
                errors[question.code] = [_("Choose a score from 1 to 5.")]
                continue
            if score is not None and not 1 <= score <= 5:
                errors[question.code] = [_("Choose a score from 1 to 5.")]
                continue
            rows.append(Answer(survey=survey, question=question, score=score))
            if question.is_overall:
                overall = score
        else:
            text = (str(value) if value is not None else "").strip()[:5000]
            if question.required and not text:
                errors[question.code] = [_("This field is required.")]
                continue
            rows.append(Answer(survey=survey, question=question, text=text))
    if errors:
        raise ValidationFailed(errors=errors)
    Answer.objects.bulk_create(rows)
    comment = " ".join(a.text for a in rows if a.text)
    survey.status, survey.answered_at = Survey.Status.ANSWERED, now
    survey.overall, survey.comment = overall, comment[:5000]
    survey.save(update_fields=["status", "answered_at", "overall", "comment"])
    if survey.case_id and overall is not None:
        case = survey.case
        if not Rating.objects.filter(case=case).exists():
            Rating.objects.create(
                case=case, score=overall, comment=comment[:2000], rated_by=by, created_at=now
            )
        record_event(
            case,
            CaseEventKind.RATED,
            by=by if getattr(by, "pk", None) else None,
            at=now,
            new_value=str(overall),
            note=comment[:2000],
            data={"score": overall, "survey": survey.pk},
        )
    if overall is not None and overall <= survey_settings()["low_score"]:
        supervisor = getattr(survey.customer.region, "supervisor", None)
        FollowUp.objects.create(survey=survey, assigned_to=supervisor, created_at=now)
    return survey


@transaction.atomic
def follow_up_call(
    *, follow_up: FollowUp, by: Any, notes: str, close: bool = False
) -> FollowUpCall:
    """Log a follow-up call with the customer; ``close`` ends the follow-up with these notes."""
    from aftersales.accounts.permissions import Capability, has_capability

    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not follow up surveys."))
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.closed_at is not None:
        raise Conflict(_("This follow-up is closed."))
    notes = (notes or "").strip()
    if not notes:
        raise ValidationFailed(_("Write what the customer said."), field="notes")
    now = clock.now()
    call = FollowUpCall.objects.create(
        follow_up=follow_up, called_by=by, called_at=now, notes=notes
    )
    if close:
        follow_up.closed_at, follow_up.outcome = now, notes
        follow_up.save(update_fields=["closed_at", "outcome"])
    return call


@transaction.atomic
def campaign_launch(
    *, by: Any, name: str, questionnaire: Questionnaire, region: Any = None, product_line: str = ""
) -> Campaign:
    """Send a satisfaction survey to every customer of ``region`` and/or with units of
    ``product_line`` (their primary contact with an e-mail, else any contact with one)."""
    from aftersales.accounts.permissions import Capability, has_capability
    from aftersales.customers.models import Customer

    if not has_capability(by, Capability.MANAGE_CONTRACTS):
        raise NotAllowed(_("Only supervisors and administrators launch campaigns."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name the campaign."), field="name")
    if region is None and not product_line:
        raise ValidationFailed(_("Choose a region or a product line."), field="region")
    campaign = Campaign.objects.create(
        name=name[:200],
        questionnaire=questionnaire,
        region=region,
        product_line=(product_line or "")[:40],
        created_by=by,
        created_at=clock.now(),
    )
    customers = Customer.objects.all()
    if region is not None:
        customers = customers.filter(region=region)
    if product_line:
        customers = customers.filter(assets__product__category=product_line).distinct()
    for customer in customers.order_by("code"):
        contact = customer.contacts.exclude(email="").order_by("-is_primary", "pk").first()
        survey = _new_survey(
            questionnaire=questionnaire,
            campaign=campaign,
            customer=customer,
            contact=contact,
            email=contact.email if contact else "",
        )
        _queue_sms(survey, reminder=False, now=survey.sent_at)
        transaction.on_commit(lambda sid=survey.pk: _send_invitation(sid, reminder=False))
    return campaign


@transaction.atomic
def visit_survey_start(*, visit: Any, by: Any) -> Survey:
    """Start the customer-visit questionnaire (走访意见) for a finished visit, once; the engineer
    fills it in with the customer or sends the link. The answers name the visit's engineer."""
    from aftersales.accounts.permissions import Capability, has_capability

    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not work on cases."))
    existing = Survey.objects.filter(visit=visit).first()
    if existing is not None:
        return existing
    if visit.status != "done":
        raise Conflict(_("The visit is not finished yet."), code="visit_step")
    questionnaire = Questionnaire.objects.filter(code="visit", is_active=True).first()
    if questionnaire is None:
        raise Conflict(_("No active visit questionnaire."), code="no_questionnaire")
    case = visit.case
    survey = _new_survey(
        questionnaire=questionnaire,
        visit=visit,
        customer=case.customer,
        contact=case.contact,
        email=case.contact.email if case.contact_id else "",
    )
    survey.engineers.set([visit.engineer_id])
    return survey
