"""Turn one fetched message into a case or a comment, exactly once, or keep it in quarantine.

Exactly once: the ledger row (unique on ``message_key``, the hash of the Message-ID, or of the
whole message when it has none) is inserted in the same transaction as the case or comment it
produced. A message fetched again (the fetch was killed before it marked the message on the
server) finds its row and is not processed twice. A message that fails is kept, raw, in
quarantine with the error and retried with backoff; nothing is dropped. A message over the size
limit is not even downloaded: its row (from its header block) waits in quarantine for an
administrator, and the message stays on the mail server.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import services as cases
from aftersales.cases.choices import CaseChannel, CaseStatus
from aftersales.cases.models import Case, Comment
from aftersales.core import clock
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.customers.models import Contact, Customer
from aftersales.customers.services import customer_unassigned
from aftersales.mailin.actors import contact_sender_user, mail_system_user, unknown_sender_user
from aftersales.mailin.choices import (
    InboundAction,
    InboundReason,
    InboundStatus,
    UnknownSenderPolicy,
)
from aftersales.mailin.imap import ImapError, MailboxConnection
from aftersales.mailin.models import InboundMessage, Mailbox
from aftersales.mailin.parsing import (
    MessageError,
    ParsedMessage,
    TooLarge,
    classify_noise,
    clean_subject,
    message_key,
    parse_headers,
    parse_message,
    trim_quoted,
)

logger = logging.getLogger(__name__)

# Our own outgoing Message-IDs: <case.<NUMBER>.<random>@<domain>> (notifications).
_CASE_REFERENCE = re.compile(r"^case\.(.+)\.[^.@]+@", re.IGNORECASE)
# Sent mail older than this is dated on receipt (a wrong clock must not back-date the SLA).
_MAX_BACKDATE = timedelta(days=7)


def own_addresses() -> frozenset[str]:
    """Return the addresses our own mail comes from (mail from them is a loop)."""
    candidates = [
        getattr(settings, "NOTIFICATIONS_FROM_EMAIL", ""),
        getattr(settings, "NOTIFICATIONS_REPLY_TO", ""),
        settings.DEFAULT_FROM_EMAIL,
        settings.SERVER_EMAIL,
        *Mailbox.objects.exclude(address="").values_list("address", flat=True),
    ]
    found = {parseaddr(str(value))[1].lower() for value in candidates if value}
    return frozenset(a for a in found if "@" in a)


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the ``attempts``-th failed try of a quarantined message."""
    seconds = settings.MAILIN_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.MAILIN_RETRY_MAX_SECONDS))


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, MessageError | ValidationFailed | NotAllowed):
        return str(exc)[:4000]
    return "".join(traceback.format_exception(exc))[-4000:]


def _size_limit(mailbox: Mailbox | None) -> int:
    if mailbox is None:
        return settings.MAILIN_MAX_MESSAGE_BYTES
    return mailbox.message_size_limit


def _too_large_text(size: int, limit: int) -> str:
    return _("Too large: %(size)d bytes, limit %(limit)d bytes.") % {"size": size, "limit": limit}


def _reason(exc: BaseException) -> str:
    return getattr(exc, "reason", InboundReason.ERROR) if isinstance(exc, MessageError) else "error"


# --- Processing -------------------------------------------------------------------------------


@dataclass
class _Sender:
    """Who wrote a message, as the case services see it."""

    address: str
    contacts: list[Contact] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.contacts)

    def customer_ids(self) -> set[int]:
        if self.contacts:
            return {c.customer_id for c in self.contacts}
        return {customer_unassigned().pk}

    def contact_for(self, customer_id: int) -> Contact | None:
        return next((c for c in self.contacts if c.customer_id == customer_id), None)

    def actor_for(self, customer_id: int) -> User:
        contact = self.contact_for(customer_id)
        if contact is None:
            return unknown_sender_user()
        return contact_sender_user(contact=contact, address=self.address)


def _find_sender(address: str) -> _Sender:
    contacts = list(
        Contact.objects.filter(email__iexact=address, customer__is_active=True)
        .select_related("customer")
        .order_by("-is_primary", "pk")
    )
    return _Sender(address=address, contacts=contacts)


def _thread_case(parsed: ParsedMessage, sender: _Sender) -> Case | None:
    """Return the case ``parsed`` answers, if it belongs to the sender's organisation.

    In order: a Message-ID we stored (a customer's earlier mail, or our own case mail), a
    reference of the form ``case.<NUMBER>.``, the case number in the subject. Unknown senders
    (whose organisation is the shared "unassigned" customer) thread by the subject only onto a
    case their own earlier mail opened.
    """
    customer_ids = sender.customer_ids()
    visible = Case.objects.filter(customer_id__in=customer_ids)
    ids = parsed.thread_ids
    if ids:
        keys = [message_key(i, b"") for i in ids]
        by_key = dict(
            InboundMessage.objects.filter(
                message_key__in=keys, case__customer_id__in=customer_ids
            ).values_list("message_key", "case_id")
        )
        delivered = _delivered_cases(ids, customer_ids)
        for message_id, key in zip(ids, keys, strict=True):
            case_id = by_key.get(key) or delivered.get(message_id)
            if case_id:
                return visible.get(pk=case_id)
        for message_id in ids:
            match = _CASE_REFERENCE.match(message_id)
            if match:
                case = visible.filter(number=match.group(1)).first()
                if case is not None:
                    return case
    prefix = re.escape(settings.CASES_NUMBER_PREFIX)
    for number in re.findall(rf"\b{prefix}-\d{{4}}-\d{{3,}}\b", parsed.subject or ""):
        case = visible.filter(number=number).first()
        if case is None:
            continue
        if (
            sender.known
            or InboundMessage.objects.filter(case=case, sender__iexact=sender.address).exists()
        ):
            return case
    return None


def _delivered_cases(ids: list[str], customer_ids: set[int]) -> dict[str, int]:
    """Return {Message-ID: case id} of our own case mail (the notifications' delivery log)."""
    try:
        delivery = apps.get_model("notifications", "Delivery")
    except LookupError:
        return {}
    if not any(f.name == "message_id" for f in delivery._meta.get_fields()):
        return {}
    forms = {f"<{i}>": i for i in ids} | {i: i for i in ids}
    rows = delivery.objects.filter(
        message_id__in=list(forms), case__customer_id__in=customer_ids
    ).values_list("message_id", "case_id")
    return {forms[mid]: case_id for mid, case_id in rows if case_id}


def _limit(text: str, notes: list[str]) -> str:
    limit = settings.CASES_MAX_TEXT_LENGTH
    if len(text) <= limit:
        return text
    notes.append(_("The text was shortened to %(limit)d characters.") % {"limit": limit})
    return text[: limit - 1] + "…"


def _reported_at(parsed: ParsedMessage, now: datetime) -> datetime:
    sent = parsed.sent_at
    if sent is None or sent > now or sent < now - _MAX_BACKDATE:
        return now
    return sent


def _summary(parsed: ParsedMessage, sender: str) -> str:
    subject = clean_subject(parsed.subject)
    if not subject:
        first = next((line.strip() for line in parsed.text.split("\n") if line.strip()), "")
        subject = first or _("E-mail from %(sender)s") % {"sender": sender}
    return subject[:200]


def _attach(
    *, case: Case, by: User, parsed: ParsedMessage, comment: Comment | None, notes: list[str]
) -> int:
    """Attach the message's files to ``case``; a refused file is noted, never fatal."""
    kept = 0
    for attachment in parsed.attachments:
        try:
            cases.attachment_add(
                case=case,
                by=by,
                upload=ContentFile(attachment.data, name=attachment.name),
                public=True,
                comment=comment,
            )
            kept += 1
        except ValidationFailed as exc:
            notes.append(
                _("File “%(name)s” not kept: %(error)s")
                % {"name": attachment.name, "error": exc.message}
            )
    return kept


def _open_case(
    *,
    row: InboundMessage,
    parsed: ParsedMessage,
    sender: _Sender,
    customer: Customer,
    mailbox: Mailbox | None,
    notes: list[str],
    follow_up_of: Case | None = None,
) -> Case:
    now = clock.now()
    actor = sender.actor_for(customer.pk)
    description = parsed.text or _("(The e-mail has no text.)")
    if follow_up_of is not None:
        description = (
            _("Reply by e-mail to closed case %(number)s.") % {"number": follow_up_of.number}
            + "\n\n"
            + (trim_quoted(parsed.text) or description)
        )
    case = cases.case_create(
        by=actor,
        customer=customer,
        contact=sender.contact_for(customer.pk),
        case_type=mailbox.case_type if mailbox else "fault",
        severity=mailbox.severity if mailbox else "C-3",
        channel=CaseChannel.EMAIL,
        summary=_summary(parsed, sender.address),
        description=_limit(description, notes),
        reported_at=_reported_at(parsed, now),
    )
    _attach(case=case, by=actor, parsed=parsed, comment=None, notes=notes)
    row.case = case
    row.action = InboundAction.OPENED
    return case


def _comment(
    *, row: InboundMessage, parsed: ParsedMessage, sender: _Sender, case: Case, notes: list[str]
) -> None:
    actor = sender.actor_for(case.customer_id)
    body = trim_quoted(parsed.text)
    if not body.strip():
        body = _("(The reply has no text; see the attached files.)")
    comment = cases.case_comment(case=case, by=actor, body=_limit(body, notes), public=True)
    _attach(case=case, by=actor, parsed=parsed, comment=comment, notes=notes)
    row.case = case
    row.comment = comment
    row.action = InboundAction.COMMENTED
    case.refresh_from_db(fields=["status", "version"])
    if case.status == CaseStatus.RESOLVED:
        cases.case_transition(
            case=case,
            to=CaseStatus.IN_PROGRESS,
            by=actor,
            note=_("Reopened by the customer's e-mail reply."),
        )
        row.action = InboundAction.REOPENED
    elif case.status == CaseStatus.WAITING_CUSTOMER:
        # The customer answered: the case is back with us (as when they reply in the portal).
        cases.case_transition(case=case, to=CaseStatus.IN_PROGRESS, by=actor)


def _process(row: InboundMessage, raw: bytes, *, release: bool) -> None:
    """Fill ``row`` from ``raw`` and open the case or add the comment it asks for.

    Runs inside the caller's transaction. ``release`` (an administrator's decision) lifts the
    size limit and reads undecodable text with replacement characters.

    Raises MessageError (too large, undecodable) and whatever the database raises.
    """
    limit = _size_limit(row.mailbox)
    if len(raw) > limit and not release:
        raise TooLarge(_too_large_text(len(raw), limit))
    parsed = parse_message(raw, strict=not release)
    row.message_id = parsed.message_id
    row.sender = parsed.from_addr[:320]
    row.sender_name = parsed.from_name[:200]
    row.subject = parsed.subject
    row.sent_at = parsed.sent_at
    row.size = len(raw)
    row.body_text = parsed.text
    row.body_html = parsed.html
    row.error = ""
    row.reason = ""
    row.action = InboundAction.NONE
    row.status = InboundStatus.PROCESSED
    notes: list[str] = []

    noise = classify_noise(parsed, own_addresses=own_addresses())
    if noise:
        row.status, row.reason = InboundStatus.IGNORED, noise
        return
    if not parsed.from_addr:
        row.status, row.reason = InboundStatus.REJECTED, InboundReason.NO_SENDER
        return
    sender = _find_sender(parsed.from_addr)
    mailbox = row.mailbox
    if not sender.known and (
        mailbox is not None and mailbox.unknown_senders == UnknownSenderPolicy.REJECT
    ):
        row.status, row.reason = InboundStatus.REJECTED, InboundReason.UNKNOWN_SENDER
        return

    case = _thread_case(parsed, sender)
    if case is not None and case.status == CaseStatus.CLOSED:
        # A closed case stays closed (confirmed and surveyed): the reply opens a new case that
        # names the old one, and the old one's timeline says where the conversation went.
        new_case = _open_case(
            row=row,
            parsed=parsed,
            sender=sender,
            customer=case.customer,
            mailbox=mailbox,
            notes=notes,
            follow_up_of=case,
        )
        cases.case_comment(
            case=case,
            by=mail_system_user(),
            body=_("An e-mail reply arrived after this case was closed; it opened case %(number)s.")
            % {"number": new_case.number},
            public=False,
        )
    elif case is not None:
        _comment(row=row, parsed=parsed, sender=sender, case=case, notes=notes)
    else:
        customer = sender.contacts[0].customer if sender.known else customer_unassigned()
        _open_case(
            row=row, parsed=parsed, sender=sender, customer=customer, mailbox=mailbox, notes=notes
        )
    if notes:
        row.notes = "\n".join(notes)
        assert row.case is not None
        cases.case_comment(
            case=row.case,
            by=mail_system_user(),
            body=_("From the e-mail of %(sender)s:") % {"sender": parsed.from_addr}
            + "\n"
            + "\n".join(f"- {n}" for n in notes),
            public=False,
        )


# --- Ingest, retry, discard -----------------------------------------------------------------


def message_ingest(
    *,
    raw: bytes,
    mailbox: Mailbox | None = None,
    uid: int | None = None,
    uidvalidity: int | None = None,
) -> tuple[InboundMessage, bool]:
    """Record one message and act on it, once: return (its ledger row, whether it is new).

    A message seen before (same Message-ID, or same bytes without one) returns its existing row
    and changes nothing. A message that cannot be processed is kept in quarantine with the
    error. Raises only when the database cannot even record the quarantine (the caller then
    leaves the message unmarked on the server, so it is fetched again).
    """
    message_id, sender, sender_name, subject = parse_headers(raw)
    key = message_key(message_id, raw)
    existing = InboundMessage.objects.filter(message_key=key).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    header_fields = {
        "mailbox": mailbox,
        "message_id": message_id,
        "message_key": key,
        "sender": sender[:320],
        "sender_name": sender_name[:200],
        "subject": subject,
        "size": len(raw),
        "uid": uid,
        "uidvalidity": uidvalidity,
        "received_at": now,
        "created_at": now,
        "updated_at": now,
        "attempts": 1,
    }
    raw_name = ""
    try:
        with transaction.atomic():
            row = InboundMessage(**header_fields)
            row.raw.save("message.eml", ContentFile(raw), save=False)
            raw_name = row.raw.name
            # The row first: a second worker with the same message waits here on the unique key.
            row.save(force_insert=True)
            _process(row, raw, release=False)
            row.save()
        return row, True
    except Exception as exc:  # noqa: BLE001 - every failure is kept, none is lost
        existing = InboundMessage.objects.filter(message_key=key).first()
        if existing is not None:  # a concurrent fetch recorded it first
            return existing, False
        logger.warning("mail %s quarantined: %s", key[:12], type(exc).__name__)
        with transaction.atomic():
            row = InboundMessage(
                **header_fields,
                status=InboundStatus.QUARANTINED,
                reason=_reason(exc),
                error=_error_text(exc),
                next_attempt_at=now + retry_delay(1),
            )
            if raw_name:
                row.raw.name = raw_name
            else:
                row.raw.save("message.eml", ContentFile(raw), save=False)
            row.save(force_insert=True)
        return row, True


def message_record_too_large(
    *,
    head: bytes,
    size: int,
    limit: int,
    mailbox: Mailbox | None = None,
    uid: int | None = None,
    uidvalidity: int | None = None,
) -> tuple[InboundMessage, bool]:
    """Record a message that was not downloaded because its ``size`` is over ``limit``: return
    (its ledger row, whether it is new).

    Only its header block ``head`` was read: the row says who sent what, keeps the mailbox, UID
    and UIDVALIDITY under which it stays on the server, and is quarantined with no original and
    no automatic retry (an administrator's release downloads it). A message seen before returns
    its existing row. Raises whatever the database raises.
    """
    message_id, sender, sender_name, subject = parse_headers(head)
    # Without a Message-ID, the header block stands for the message (Received, Date, From...).
    key = message_key(message_id, head)
    existing = InboundMessage.objects.filter(message_key=key).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    row = InboundMessage(
        mailbox=mailbox,
        message_id=message_id,
        message_key=key,
        sender=sender[:320],
        sender_name=sender_name[:200],
        subject=subject,
        size=size,
        uid=uid,
        uidvalidity=uidvalidity,
        received_at=now,
        created_at=now,
        updated_at=now,
        attempts=1,
        status=InboundStatus.QUARANTINED,
        reason=InboundReason.TOO_LARGE,
        error=_too_large_text(size, limit)
        + " "
        + _("Not downloaded: it is still on the mail server."),
        next_attempt_at=None,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        existing = InboundMessage.objects.filter(message_key=key).first()
        if existing is None:
            raise
        return existing, False  # a concurrent fetch recorded it first
    logger.warning("mail %s too large (%d bytes), not downloaded", key[:12], size)
    return row, True


def _left_on_server(row: InboundMessage) -> bool:
    """Whether ``row`` is a message too large to download, still only on the mail server."""
    return not row.raw and row.reason == InboundReason.TOO_LARGE


def _download(row: InboundMessage, *, release: bool) -> Exception | None:
    """Download the original of ``row`` (a message left on the server for its size) and keep it
    on the row; return why not, if it could not be.

    Within the size limit (raised since) anyone who may retry downloads it; over it, only a
    release by an administrator does.
    """
    limit = _size_limit(row.mailbox)
    if row.size > limit and not release:
        return TooLarge(
            _too_large_text(row.size, limit)
            + " "
            + _("Not downloaded: it is still on the mail server.")
        )
    mailbox = row.mailbox
    if mailbox is None or row.uid is None:
        return MessageError(
            _("The message was not downloaded and its mailbox is no longer configured.")
        )
    try:
        with MailboxConnection(mailbox) as connection:
            if (
                connection.uidvalidity is not None
                and row.uidvalidity is not None
                and connection.uidvalidity != row.uidvalidity
            ):
                return MessageError(
                    _(
                        "The folder was rebuilt on the mail server (new UIDVALIDITY): the message "
                        "cannot be found by its UID any more."
                    )
                )
            raw = connection.fetch(row.uid)
    except ImapError as exc:
        return MessageError(str(exc))
    if raw is None:
        return MessageError(_("The message is no longer on the mail server."))
    if row.message_id and parse_headers(raw)[0] != row.message_id:
        return MessageError(_("The message under this UID on the mail server is another message."))
    name = ""
    try:
        field_file = row.raw
        field_file.save("message.eml", ContentFile(raw), save=False)
        name = field_file.name or ""
        updated = InboundMessage.objects.filter(
            pk=row.pk, raw="", status=InboundStatus.QUARANTINED
        ).update(raw=name, size=len(raw))
    except Exception:
        if name:
            row.raw.storage.delete(name)
        raise
    if not updated:  # handled by someone else meanwhile: theirs stands
        row.raw.storage.delete(name)
    return None


def _ensure_may_handle(by: User | None, *, release: bool) -> None:
    if by is None:
        return
    if not getattr(by, "is_service_staff", False):
        raise NotAllowed(_("Only service staff may handle quarantined mail."))
    if release and not has_capability(by, Capability.MANAGE_CONFIG):
        raise NotAllowed(_("Only administrators may release or discard quarantined mail."))


def inbound_retry(
    *, message: InboundMessage, by: User | None = None, release: bool = False
) -> InboundMessage:
    """Process a quarantined message again; return it with its new status.

    ``by=None`` is the periodic retry. ``release`` (administrators) lifts the size limit and
    reads undecodable text with replacement characters. A failure keeps the message in
    quarantine with the new error and the next try pushed back (after
    ``MAILIN_MAX_ATTEMPTS`` failures only a person retries).

    A message that was too large to download is downloaded from the mail server first: on a
    release, or when its mailbox's limit has been raised above its size. Until then it stays in
    quarantine with no automatic retry.

    Raises NotAllowed, ValidationFailed (not in quarantine).
    """
    _ensure_may_handle(by, release=release)
    # A message too large to download is downloaded now (outside the transaction: it may be
    # big and slow), if its limit was raised or an administrator releases it.
    current = InboundMessage.objects.filter(pk=message.pk).first()
    download_failure = None
    if (
        current is not None
        and current.status == InboundStatus.QUARANTINED
        and _left_on_server(current)
    ):
        download_failure = _download(current, release=release)
    now = clock.now()
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if row.status != InboundStatus.QUARANTINED:
            raise ValidationFailed(_("This message is not in quarantine."), field="status")
        failure: BaseException | None = None
        raw = b""
        if _left_on_server(row):
            failure = download_failure or MessageError(
                _("The message was not downloaded from the mail server.")
            )
        else:
            try:
                with row.raw.open("rb") as handle:
                    raw = handle.read()
            except (OSError, ValueError) as exc:
                failure = exc
        if failure is None:
            try:
                with transaction.atomic():
                    _process(row, raw, release=release)
                    row.attempts += 1
                    row.next_attempt_at = None
                    row.updated_at = now
                    if by is not None:
                        row.handled_by, row.handled_at = by, now
                    row.save()
                return row
            except Exception as exc:  # noqa: BLE001 - kept in quarantine with the error
                failure = exc
        row.refresh_from_db()
        row.attempts += 1
        if not _left_on_server(row):
            row.reason = _reason(failure)
        row.error = _error_text(failure)
        row.updated_at = now
        row.next_attempt_at = (
            now + retry_delay(row.attempts)
            if row.attempts < settings.MAILIN_MAX_ATTEMPTS and not _left_on_server(row)
            else None
        )
        if by is not None:
            row.handled_by, row.handled_at = by, now
        row.save()
        return row


def inbound_discard(*, message: InboundMessage, by: User) -> InboundMessage:
    """Take a quarantined message out of the retries for good (administrators).

    The message and its original stay recorded; nothing is deleted.

    Raises NotAllowed, ValidationFailed (not in quarantine).
    """
    _ensure_may_handle(by, release=True)
    now = clock.now()
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if row.status != InboundStatus.QUARANTINED:
            raise ValidationFailed(_("This message is not in quarantine."), field="status")
        row.status = InboundStatus.DISCARDED
        row.next_attempt_at = None
        row.handled_by, row.handled_at, row.updated_at = by, now, now
        row.save()
        return row


def quarantine_retry_due(*, limit: int = 50) -> int:
    """Retry the quarantined messages whose next try has come; return how many got through."""
    now = clock.now()
    due = list(
        InboundMessage.objects.filter(status=InboundStatus.QUARANTINED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        try:
            row = inbound_retry(message=InboundMessage(pk=pk))
        except ValidationFailed:  # handled by someone else meanwhile
            continue
        if row.status != InboundStatus.QUARANTINED:
            done += 1
    return done
