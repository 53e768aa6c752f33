"""Portal chat: a customer contact and the on-duty agent talk on a case.

Every message is a public comment written through ``cases.services.case_comment`` (the case's
timeline is the transcript; a staff message is a response to the customer like any public
reply). The ``Chat`` row only says who answers and since when the customer is waiting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseStatus, CaseType
from aftersales.cases.models import Case, Comment
from aftersales.cases.services import case_comment, case_create, case_transition
from aftersales.channels.models import Chat
from aftersales.channels.selectors import on_duty_agent
from aftersales.core import clock
from aftersales.core.errors import NotAllowed, ValidationFailed


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write a message first."), field="text")
    limit = settings.CHANNELS_CHAT_MAX_CHARS
    if len(text) > limit:
        raise ValidationFailed(_("At most %(n)d characters.") % {"n": limit}, field="text")
    return text


def _chat_for(case: Case, *, by: User) -> Chat:
    chat = Chat.objects.select_for_update().filter(case=case).first()
    if chat is not None:
        return chat
    now = clock.now()
    chat, _created = Chat.objects.get_or_create(
        case=case,
        defaults={"started_by": by, "started_at": now, "last_message_at": now},
    )
    return Chat.objects.select_for_update().get(pk=chat.pk)


@transaction.atomic
def chat_post(*, case: Case, by: User, text: str) -> Comment:
    """Send ``text`` in the chat of ``case`` as ``by`` (its customer's contact, or staff).

    A customer's message (re)assigns the chat to the on-duty agent when its agent is no longer
    available (``selectors.on_duty_agent``), marks the customer as waiting and hands back a case
    that was waiting for the customer; a staff message answers the wait and makes the writer the
    chat's agent when it had none. Closed cases take no messages.

    Raises NotAllowed, ValidationFailed (and whatever ``case_comment`` raises: a contact of
    another organisation is refused there).
    """
    text = _check_text(text)
    if by.is_customer_contact and case.customer_id != by.customer_id:
        raise NotAllowed(_("You may not see this case."))
    if case.status == CaseStatus.CLOSED:
        raise ValidationFailed(_("This case is closed; start a new chat."), field="text")
    chat = _chat_for(case, by=by)
    comment = case_comment(case=case, by=by, body=text, public=True)
    now = clock.now()
    chat.last_message_at = now
    if by.is_customer_contact:
        if chat.waiting_since is None:
            chat.waiting_since = now
        agent = chat.agent
        if agent is None or not (agent.is_active and agent.is_available):
            chat.agent = on_duty_agent(case) or agent
        if case.status == CaseStatus.WAITING_CUSTOMER:
            case_transition(case=case, to=CaseStatus.IN_PROGRESS, by=by)
    else:
        chat.waiting_since = None
        if chat.agent is None:
            chat.agent = by
    chat.save()
    return comment


@transaction.atomic
def chat_start(*, by: User, text: str) -> Case:
    """Start a chat without a case: open a case (channel chat) for ``by``'s organisation with
    ``text`` as its first message; return the case.

    Raises NotAllowed, ValidationFailed.
    """
    if not by.is_customer_contact or by.customer_id is None:
        raise NotAllowed(_("Only customer contacts start chats in the portal."))
    text = _check_text(text)
    first_line = next(line.strip() for line in text.splitlines() if line.strip())
    case = case_create(
        by=by,
        customer=by.customer,  # type: ignore[arg-type]
        case_type=CaseType.CONSULTATION,
        channel=CaseChannel.CHAT,
        severity=CaseSeverity.C3,
        summary=(_("Chat: %(text)s") % {"text": first_line})[:200],
    )
    chat_post(case=case, by=by, text=text)
    return case
