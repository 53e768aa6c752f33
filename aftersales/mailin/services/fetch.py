"""Fetch new mail from the configured mailboxes and keep each mailbox's health.

A message is marked on the server (keyword, or moved) only after ``message_ingest`` committed
its row with its case or comment, or its quarantine. A fetch killed at any point leaves the
message unmarked, and the next round finds it recorded (or records it) and marks it then.

The sizes of a round's messages are read first; a message over the mailbox's limit
(``MAILIN_MAX_MESSAGE_BYTES`` unless the mailbox sets its own) is never downloaded: its header
block is recorded in quarantine (``message_record_too_large``) and it is marked but not moved,
so that an administrator's release can still download it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import F

from aftersales.core import clock
from aftersales.mailin.choices import InboundStatus
from aftersales.mailin.imap import ImapError, MailboxConnection
from aftersales.mailin.models import Mailbox
from aftersales.mailin.services.ingest import message_ingest, message_record_too_large

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


@dataclass
class FetchResult:
    """What one fetch round of one mailbox did."""

    mailbox: str
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    too_large: int = 0
    errors: int = 0
    error: str = ""


def mailbox_fetch(
    *, mailbox: Mailbox, limit: int | None = None, progress: Progress | None = None
) -> FetchResult:
    """Take the new messages of ``mailbox`` (at most ``limit``, default ``MAILIN_FETCH_BATCH``),
    record each (a case, a comment, an ignored or rejected entry, or quarantine) and mark it
    done on the server once recorded.

    A connection or sign-in failure is counted on the mailbox (administrators are alerted after
    ``MAILIN_ALERT_AFTER_FAILURES`` in a row); a success clears the count.
    """
    result = FetchResult(mailbox=mailbox.name)
    limit = limit or settings.MAILIN_FETCH_BATCH
    note = progress or (lambda _stage, _uid: None)
    try:
        with MailboxConnection(mailbox) as connection:
            uids = connection.new_uids(since=mailbox.fetch_since)[:limit]
            sizes = connection.sizes(uids)
            max_bytes = mailbox.message_size_limit
            for uid in uids:
                size = sizes.get(uid)
                oversized = size is not None and size > max_bytes
                # Over the limit: only the header block, for the ledger; the body stays there.
                raw = connection.fetch_header(uid) if oversized else connection.fetch(uid)
                if raw is None:  # deleted by someone else meanwhile
                    continue
                if oversized:
                    note("sized", uid)
                else:
                    result.fetched += 1
                    note("fetched", uid)
                try:
                    if oversized:
                        assert size is not None
                        row, new = message_record_too_large(
                            head=raw,
                            size=size,
                            limit=max_bytes,
                            mailbox=mailbox,
                            uid=uid,
                            uidvalidity=connection.uidvalidity,
                        )
                    else:
                        row, new = message_ingest(
                            raw=raw, mailbox=mailbox, uid=uid, uidvalidity=connection.uidvalidity
                        )
                except Exception:
                    # Not even the quarantine could be written (database down): leave the
                    # message unmarked, so the next round takes it again.
                    logger.exception("mailbox %s: message uid %s not recorded", mailbox.pk, uid)
                    result.errors += 1
                    continue
                note("stored", uid)
                if new:
                    result.new += 1
                    if row.status == InboundStatus.QUARANTINED:
                        result.quarantined += 1
                    if oversized:
                        result.too_large += 1
                else:
                    result.duplicates += 1
                # Left in its folder when not downloaded: a release fetches it by its UID.
                connection.mark_done(uid, move=not oversized)
                note("marked", uid)
            validity = connection.uidvalidity
    except ImapError as exc:
        result.error = str(exc)
        logger.warning("mailbox %s: fetch failed: %s", mailbox.pk, result.error)
        mailbox_record_failure(mailbox=mailbox, error=result.error)
        return result
    mailbox_record_success(mailbox=mailbox, uidvalidity=validity)
    return result


def mailbox_record_success(*, mailbox: Mailbox, uidvalidity: int | None = None) -> None:
    """Note a successful fetch round: the failure count and the alert are cleared."""
    now = clock.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_fetch_at=now,
        last_success_at=now,
        failure_count=0,
        last_error="",
        alerted_at=None,
        uidvalidity=uidvalidity,
    )


def mailbox_record_failure(*, mailbox: Mailbox, error: str) -> bool:
    """Count a failed fetch round; return whether this one alerted the administrators.

    The alert is sent once per run of failures (``alerted_at`` stays set until a fetch
    succeeds), after ``MAILIN_ALERT_AFTER_FAILURES`` failures in a row. The error text never
    holds the password (the IMAP client scrubs it).
    """
    now = clock.now()
    with transaction.atomic():
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_fetch_at=now, failure_count=F("failure_count") + 1, last_error=error[:4000]
        )
        current = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        alert = (
            current.alerted_at is None
            and current.failure_count >= settings.MAILIN_ALERT_AFTER_FAILURES
        )
        if alert:
            current.alerted_at = now
            current.save(update_fields=["alerted_at"])
            subject = f"Mailbox {current.name!r} cannot be fetched"
            body = (
                f"Fetching mailbox {current.name!r} ({current.username} at "
                f"{current.host}:{current.port}, folder {current.folder!r}) failed "
                f"{current.failure_count} times in a row.\n\nLast error: {error}\n\n"
                "New mail in it is not turned into cases until this is fixed. Another message "
                "is sent only after it has worked again and then fails again."
            )
    if alert:
        # After the block: the alert is recorded before anyone is told.
        _alert(subject, body)
    return alert


def _alert(subject: str, body: str) -> None:
    try:
        mail_admins(subject, body)
    except Exception:  # the alert must not break the fetch round
        logger.exception("could not alert the administrators")


def mailboxes_fetch_all(*, progress: Progress | None = None) -> list[FetchResult]:
    """Fetch every active mailbox once."""
    return [
        mailbox_fetch(mailbox=mailbox, progress=progress)
        for mailbox in Mailbox.objects.filter(is_active=True).order_by("pk")
    ]
