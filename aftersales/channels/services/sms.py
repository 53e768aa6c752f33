"""Inbound SMS from the SMS gateway: a comment on the sender's open case, or a new case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case
from aftersales.cases.services import case_comment, case_create, case_transition
from aftersales.cases.transitions import OPEN
from aftersales.channels.choices import SmsAction
from aftersales.channels.models import SmsMessage
from aftersales.channels.selectors import caller_identify, normalize, open_cases_for
from aftersales.channels.services.actors import contact_sender_user, unknown_sender_user
from aftersales.core import clock
from aftersales.core.errors import ValidationFailed
from aftersales.customers.services import customer_unassigned

MAX_TEXT = 2000


def _summary(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return (_("SMS: %(text)s") % {"text": first})[:200]


@transaction.atomic
def sms_receive(
    *, sender: str, text: str, recipient: str = "", received_at: datetime | None = None
) -> SmsMessage:
    """Take one inbound SMS; return its log entry.

    A known contact's message becomes a public comment on their most recently reported open
    case (it hands back a case waiting for the customer), or opens a case (channel SMS) when
    they have none. A number nobody knows (or a number that only names an organisation's
    switchboard) writes for the shared "unassigned senders" customer (``customer_unassigned``):
    on the open case an earlier SMS of the same number opened there, else a new case, which an
    agent moves to the right customer. Retried deliveries are caught by the webhook ledger.

    Raises ValidationFailed.
    """
    number = normalize(sender)
    if not number:
        raise ValidationFailed(_("This is not a phone number."), field="sender")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("This field is required."), field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": MAX_TEXT}, field="text")
    now = clock.now()
    at = received_at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    match = caller_identify(number)
    contact = match.contact or match.preferred_contact
    case: Case | None
    if contact is not None:
        author = contact_sender_user(contact=contact, number=number)
        customer = contact.customer
        cases = open_cases_for(match, limit=1)
        case = cases[0] if cases else None
    else:
        author = unknown_sender_user()
        customer = customer_unassigned()
        earlier = (
            SmsMessage.objects.filter(
                sender_normalized=number, customer=customer, case__status__in=OPEN
            )
            .order_by("-received_at", "-id")
            .values_list("case_id", flat=True)
            .first()
        )
        case = Case.objects.filter(pk=earlier).first() if earlier else None
    comment = None
    if case is not None:
        comment = case_comment(case=case, by=author, body=text, public=True)
        if case.status == CaseStatus.WAITING_CUSTOMER:
            case_transition(case=case, to=CaseStatus.IN_PROGRESS, by=author)
        action = SmsAction.COMMENTED
    else:
        case = case_create(
            by=author,
            customer=customer,
            contact=contact,
            case_type=CaseType.CONSULTATION,
            channel=CaseChannel.SMS,
            severity=CaseSeverity.C3,
            summary=_summary(text),
            description=text,
            reported_at=min(at, now),
        )
        action = SmsAction.CREATED
    return SmsMessage.objects.create(
        sender=sender.strip()[:40],
        sender_normalized=number,
        recipient=recipient.strip()[:40],
        text=text,
        received_at=at,
        customer=customer,
        contact=contact,
        case=case,
        comment=comment,
        action=action,
    )
