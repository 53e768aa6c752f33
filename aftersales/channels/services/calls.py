"""Phone calls from the call-center system: record their events, log them on cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseType
from aftersales.cases.models import Case
from aftersales.cases.services import case_comment, case_create
from aftersales.channels import phones
from aftersales.channels.choices import CallEventKind, CallState
from aftersales.channels.models import Call
from aftersales.channels.selectors import caller_identify, normalize, open_cases_for
from aftersales.channels.services.actors import channels_system_user
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.customers.services import customer_unassigned

# How far ahead of the server's clock an event's time may be (clocks of two systems drift).
FUTURE_TOLERANCE = timedelta(minutes=5)

_RANK = {CallState.RINGING: 0, CallState.ANSWERED: 1, CallState.ENDED: 2, CallState.MISSED: 2}
_EVENT_RANK = {CallEventKind.RINGING: 0, CallEventKind.ANSWERED: 1, CallEventKind.ENDED: 2}


def agent_for_extension(extension: str) -> User | None:
    """Return the active user whose phone extension is ``extension`` (exact), or None."""
    extension = (extension or "").strip()
    if not extension:
        return None
    return User.objects.filter(phone_extension=extension, is_active=True).first()


def _lock_or_create(
    external_id: str, defaults: Callable[[], dict[str, object]]
) -> tuple[Call, bool]:
    call = Call.objects.select_for_update().filter(external_id=external_id).first()
    if call is not None:
        return call, False
    try:
        with transaction.atomic():
            return Call.objects.create(external_id=external_id, **defaults()), True
    except IntegrityError:
        # Another event of the same call created it first; wait for it and take it.
        return Call.objects.select_for_update().get(external_id=external_id), False


@transaction.atomic
def call_event_record(
    *,
    call_id: str,
    event: str,
    caller: str,
    callee: str = "",
    occurred_at: datetime | None = None,
    recording_url: str = "",
) -> Call:
    """Apply one event (``ringing``, ``answered``, ``ended``) of a call; return the call.

    The first event of a call identifies the caller by number. A caller who is exactly one
    known contact with an open case gets the call logged on their most recently reported open
    case; anything else waits for the agent (the screen-pop offers the open cases and a new
    case), and a call that ends on no case opens a draft case (``_draft_case``).
    Events may arrive late, twice or out of order: a call only moves forward, an ``ended``
    before its ``answered`` is corrected when the ``answered`` arrives, and the agent follows
    the extension of the latest event. When a linked call ends, it is written to the case's
    timeline as an internal note, once.

    Raises ValidationFailed.
    """
    if event not in CallEventKind.values:
        raise ValidationFailed(
            _("“%(value)s” is not a valid choice.") % {"value": event}, field="event"
        )
    number = normalize(caller)
    if not number:
        raise ValidationFailed(_("This is not a phone number."), field="caller")
    now = clock.now()
    at = occurred_at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise ValidationFailed(_("The event time cannot be in the future."), field="occurred_at")
    agent = agent_for_extension(callee)

    def first_seen() -> dict[str, object]:
        match = caller_identify(number)
        linked = None
        if match.contact is not None:
            # One known person: the call belongs to their most recently reported open case (the
            # agent may move it to another one on the screen-pop until it is written down).
            open_cases = open_cases_for(match, limit=1)
            linked = open_cases[0] if open_cases else None
        return {
            "caller_number": caller.strip()[:40],
            "caller_normalized": number,
            "callee": callee.strip()[:40],
            "agent": agent,
            "customer": match.customer,
            "contact": match.contact or match.preferred_contact,
            "case": linked,
            "state": CallState.RINGING,
            "started_at": at,
        }

    call, _created = _lock_or_create(call_id, first_seen)
    had_recording = bool(call.recording_url)
    _apply(call, event=event, at=at, agent=agent, callee=callee, recording_url=recording_url)
    call.save()
    if call.state in (CallState.ENDED, CallState.MISSED):
        if call.case_id is None:
            # Nobody linked the call to a case while it lasted: a draft case for the agent.
            _draft_case(call, by=_author(call))
        if call.logged_at is None:
            _log_to_case(call)
        elif call.recording_url and not had_recording:
            _log_recording(call)
    return call


def _draft_case(call: Call, *, by: User) -> Case:
    """Open the draft case of ``call`` and link the call to it.

    A draft is an ordinary case in status ``new`` (the one lifecycle of
    ``cases.transitions``), channel ``phone``, severity C-3, type consultation, for the caller's
    organisation (the shared "unassigned senders" customer when the number is unknown), assigned
    to the answering agent, with ``Call.needs_completion`` set: the agent completes type,
    severity, unit and summary on the case page and marks it done on the screen-pop.
    """
    customer = call.customer or customer_unassigned()
    contact = call.contact if call.contact and call.contact.customer_id == customer.pk else None
    assignee = call.agent if call.agent is not None and call.agent.is_service_staff else None
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("Phone call from %(caller)s (to be completed)") % {"caller": _caller_text(call)}
        description = _(
            "Opened from a phone call by the call-center system; the agent completes it."
        )
    case = case_create(
        by=by,
        customer=customer,
        contact=contact,
        case_type=CaseType.CONSULTATION,
        channel=CaseChannel.PHONE,
        severity=CaseSeverity.C3,
        summary=summary[:200],
        description=description,
        reported_at=call.started_at,
        assignee=assignee,
    )
    call.case = case
    call.customer = customer
    call.needs_completion = True
    call.save(update_fields=["case", "customer", "needs_completion", "updated_at"])
    return case


def _apply(
    call: Call, *, event: str, at: datetime, agent: User | None, callee: str, recording_url: str
) -> None:
    if _EVENT_RANK[CallEventKind(event)] >= _RANK[CallState(call.state)]:
        # A late retry of an earlier event must not move the call back to an old extension.
        if callee.strip():
            call.callee = callee.strip()[:40]
        if agent is not None:
            call.agent = agent
    if at < call.started_at:
        call.started_at = at
    if event == CallEventKind.ANSWERED:
        if call.answered_at is None:
            call.answered_at = at
        if call.state == CallState.RINGING:
            call.state = CallState.ANSWERED
        elif call.state == CallState.MISSED:
            call.state = CallState.ENDED  # the end was reported before the answer
    elif event == CallEventKind.ENDED:
        if call.ended_at is None:
            call.ended_at = at
        call.state = CallState.ENDED if call.answered_at is not None else CallState.MISSED
    if recording_url:
        call.recording_url = recording_url[:500]


def _when(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S") if at else "—"


def _caller_text(call: Call) -> str:
    number = phones.display(call.caller_normalized)
    if call.contact_id is not None and call.contact is not None:
        return _("%(number)s (%(name)s)") % {"number": number, "name": call.contact.name}
    return number


def _note_text(call: Call) -> str:
    """The timeline note of a call, in the installation's language (notes are kept as written)."""
    if call.state == CallState.MISSED:
        text = _("Inbound call, missed: from %(caller)s at %(at)s (called: %(callee)s).") % {
            "caller": _caller_text(call),
            "at": _when(call.started_at),
            "callee": call.callee or "—",
        }
    else:
        seconds = int(call.talk_time.total_seconds()) if call.talk_time else 0
        text = _(
            "Inbound call from %(caller)s, answered by %(agent)s at %(at)s; duration %(minutes)d "
            "min %(seconds)d s."
        ) % {
            "caller": _caller_text(call),
            "agent": str(call.agent) if call.agent_id else (call.callee or "—"),
            "at": _when(call.answered_at),
            "minutes": seconds // 60,
            "seconds": seconds % 60,
        }
    if call.recording_url:
        text += "\n" + _("Recording: %(url)s") % {"url": call.recording_url}
    return text


def _author(call: Call) -> User:
    agent = call.agent
    if agent is not None and agent.is_service_staff:
        return agent
    return channels_system_user()


def _log_to_case(call: Call) -> None:
    case = Case.objects.get(pk=call.case_id)
    with translation.override(settings.LANGUAGE_CODE):
        body = _note_text(call)
    case_comment(case=case, by=_author(call), body=body, public=False)
    call.logged_at = clock.now()
    call.save(update_fields=["logged_at", "updated_at"])


def _log_recording(call: Call) -> None:
    """A recording that arrived after the call was written to the case gets a note of its own."""
    case = Case.objects.get(pk=call.case_id)
    with translation.override(settings.LANGUAGE_CODE):
        body = _("Recording of the call from %(caller)s at %(at)s: %(url)s") % {
            "caller": _caller_text(call),
            "at": _when(call.started_at),
            "url": call.recording_url,
        }
    case_comment(case=case, by=_author(call), body=body, public=False)


@transaction.atomic
def call_link_case(*, call: Call, case: Case, by: User) -> Call:
    """Log ``call`` on ``case`` (chosen by an agent, or the case just opened from the call).

    A call that has ended is written to the case's timeline now; a live one when it ends. A call
    already written to another case cannot move (the timeline is append-only).

    Raises NotAllowed, Conflict.
    """
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.case_id == case.pk:
        return call
    if call.case_id is not None and call.logged_at is not None:
        raise Conflict(
            _("This call is already written to case %(number)s.")
            % {"number": Case.objects.get(pk=call.case_id).number},
            code="call_already_logged",
        )
    call.case = case
    if call.customer_id is None or call.customer_id != case.customer_id:
        # The agent knows better than the directory who called.
        call.customer_id = case.customer_id
        call.contact_id = case.contact_id
    call.save(update_fields=["case", "customer", "contact", "updated_at"])
    if call.state in (CallState.ENDED, CallState.MISSED):
        _log_to_case(call)
    return call


@transaction.atomic
def call_dismiss(*, call: Call, by: User) -> Call:
    """Close ``call``'s screen-pop on its agent's console (the call itself is unchanged).

    Raises NotAllowed unless ``by`` is the call's agent.
    """
    if call.agent_id != by.pk:
        raise NotAllowed(_("Only the agent the call came to can dismiss its screen-pop."))
    Call.objects.filter(pk=call.pk, dismissed_at__isnull=True).update(
        dismissed_at=clock.now(), updated_at=clock.now()
    )
    call.refresh_from_db()
    return call


@transaction.atomic
def call_open_case(*, call: Call, by: User) -> Case:
    """Open a draft case from ``call`` now (the screen-pop's "new case"), assigned to ``by``;
    return it. A call already on a case keeps it.

    Raises NotAllowed.
    """
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    call = (
        Call.objects.select_for_update(of=("self",))
        .select_related("contact", "agent")
        .get(pk=call.pk)
    )
    if call.case_id is not None and call.logged_at is not None:
        return Case.objects.get(pk=call.case_id)
    if call.agent_id is None:
        call.agent = by
    call.case = None
    case = _draft_case(call, by=by)
    if call.state in (CallState.ENDED, CallState.MISSED):
        _log_to_case(call)
    return case


@transaction.atomic
def call_mark_completed(*, call: Call, by: User) -> Call:
    """Record that the agent completed the draft case of ``call``.

    Raises NotAllowed.
    """
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not change cases."))
    Call.objects.filter(pk=call.pk).update(needs_completion=False, updated_at=clock.now())
    call.refresh_from_db()
    return call
