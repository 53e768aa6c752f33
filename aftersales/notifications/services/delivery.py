"""Send deliveries: claim due ones with a lease, send them, record the outcome (the log).

A worker claims a batch in one short transaction (``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) by setting ``status=sending``, a
fresh ``claim_token`` and ``next_attempt_at = now + lease``. Only rows whose UPDATE carried this
worker's token are sent by it, so two workers never send the same delivery; a worker that dies
mid-send leaves its rows to be taken over when the lease ends. Network calls happen outside any
transaction. A failure is retried after ``RETRY_BASE * 2**(attempts-1)`` seconds (capped) until
``NOTIFICATIONS_MAX_ATTEMPTS``; every attempt's result is kept on the row.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.errors import ValidationFailed
from aftersales.notifications import webhooks
from aftersales.notifications.choices import Channel, DeliveryStatus
from aftersales.notifications.http import HttpFailure, post
from aftersales.notifications.models import Delivery
from aftersales.notifications.services.rendering import thread_reference
from aftersales.notifications.sms import SmsError, get_sms_backend

logger = logging.getLogger(__name__)


@dataclass
class SendResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


class _Failure(Exception):
    def __init__(
        self, message: str, *, permanent: bool = False, status: int | None = None, excerpt: str = ""
    ):
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.excerpt = excerpt


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the ``attempts``-th failed attempt."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def deliveries_claim(*, now: datetime, size: int) -> tuple[uuid.UUID, list[Delivery]]:
    """Claim up to ``size`` due deliveries for this worker; return the token and the rows."""
    token = uuid.uuid4()
    lease_end = now + timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    due = {
        "status__in": [DeliveryStatus.PENDING, DeliveryStatus.SENDING],
        "next_attempt_at__lte": now,
    }
    with transaction.atomic():
        qs = Delivery.objects.filter(**due).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:size])
        if not ids:
            return token, []
        # The WHERE is checked again by the UPDATE: a row another worker took meanwhile no
        # longer matches, so it never carries two tokens.
        Delivery.objects.filter(pk__in=ids, **due).update(
            status=DeliveryStatus.SENDING, claim_token=token, next_attempt_at=lease_end
        )
    rows = list(
        Delivery.objects.filter(claim_token=token, status=DeliveryStatus.SENDING)
        .select_related("endpoint", "case")
        .order_by("channel", "id")
    )
    return token, rows


def deliveries_send(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    budget_seconds: float | None = None,
) -> SendResult:
    """Send every due delivery (batch after batch, until none is due or the budget is spent)."""
    result = SendResult()
    size = batch_size or settings.NOTIFICATIONS_BATCH
    budget = settings.NOTIFICATIONS_RUN_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    with _async_commits():
        while True:
            at = now or clock.now()
            token, rows = deliveries_claim(now=at, size=size)
            if not rows:
                break
            result.claimed += len(rows)
            _send_batch(token, rows, result)
            if len(rows) < size or time.monotonic() - started > budget:
                break
    return result


def _send_batch(token: uuid.UUID, rows: list[Delivery], result: SendResult) -> None:
    emails = [d for d in rows if d.channel == Channel.EMAIL]
    if emails:
        _send_emails(token, emails, result)
    texts = [d for d in rows if d.channel == Channel.SMS]
    backend = get_sms_backend() if texts else None
    for delivery in rows:
        if delivery.channel == Channel.SMS:
            _attempt(token, delivery, result, lambda d=delivery, b=backend: _send_sms(b, d))
        elif delivery.channel == Channel.WEBHOOK:
            _attempt(token, delivery, result, lambda d=delivery: _send_webhook(d))


def _attempt(token: uuid.UUID, delivery: Delivery, result: SendResult, send: Any) -> None:
    try:
        answer = send()
    except _Failure as exc:
        _record_failure(token, delivery, result, exc)
    except Exception as exc:  # noqa: BLE001 - any error of a channel is a failed attempt
        logger.warning("delivery %s failed", delivery.pk, exc_info=True)
        _record_failure(token, delivery, result, _Failure(f"{type(exc).__name__}: {exc}"))
    else:
        _record_success(token, delivery, result, answer)


def _write_result(delivery_pk: int, token: uuid.UUID, **fields: Any) -> None:
    """Record one attempt's outcome at once (a worker that dies after it never resends)."""
    Delivery.objects.filter(pk=delivery_pk, claim_token=token).update(**fields)


@contextlib.contextmanager
def _async_commits() -> Iterator[None]:
    """On PostgreSQL, let this connection's commits return before the WAL is flushed.

    Used while sending: each result is still committed right after its send (a dying worker
    loses nothing, the server has the row); only a crash of the database server itself within
    a fraction of a second could lose a record, and then that message would be sent once more
    rather than lost. Saves a disk flush per message.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _record_success(
    token: uuid.UUID, delivery: Delivery, result: SendResult, answer: tuple[int | None, str]
) -> None:
    status, excerpt = answer
    _write_result(
        delivery.pk,
        token,
        status=DeliveryStatus.SENT,
        attempts=delivery.attempts + 1,
        sent_at=clock.now(),
        next_attempt_at=None,
        claim_token=None,
        last_error="",
        response_code=status,
        response_excerpt=excerpt[:1000],
    )
    result.sent += 1


def _record_failure(
    token: uuid.UUID, delivery: Delivery, result: SendResult, exc: _Failure
) -> None:
    attempts = delivery.attempts + 1
    final = exc.permanent or attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
    _write_result(
        delivery.pk,
        token,
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        attempts=attempts,
        next_attempt_at=None if final else clock.now() + retry_delay(attempts),
        claim_token=None,
        last_error=str(exc)[:2000],
        response_code=exc.status,
        response_excerpt=exc.excerpt[:1000],
    )
    if final:
        result.failed += 1
        logger.error("delivery %s failed for good: %s", delivery.pk, exc)
    else:
        result.retried += 1


# --- E-mail ------------------------------------------------------------------------------------


def email_message(delivery: Delivery) -> EmailMultiAlternatives:
    """Return the e-mail of ``delivery``: threaded on its case, with its stored Message-ID."""
    headers = {"Message-ID": delivery.message_id, "Auto-Submitted": "auto-generated"}
    number = delivery.case.number if delivery.case is not None else None
    if number:
        ref = thread_reference(number)
        headers.update({"In-Reply-To": ref, "References": ref, "X-Aftersales-Case": number})
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.NOTIFICATIONS_FROM_EMAIL,
        to=[delivery.address],
        reply_to=[settings.NOTIFICATIONS_REPLY_TO] if settings.NOTIFICATIONS_REPLY_TO else None,
        headers=headers,
    )
    if delivery.html:
        message.attach_alternative(delivery.html, "text/html")
    return message


def _send_emails(token: uuid.UUID, rows: list[Delivery], result: SendResult) -> None:
    """Send a batch's e-mails over one SMTP connection (reopened after a broken one)."""
    mail = None
    try:
        for delivery in rows:
            if mail is None:
                mail = get_connection(timeout=settings.NOTIFICATIONS_SEND_TIMEOUT)
                try:
                    mail.open()
                except Exception as exc:  # noqa: BLE001 - the server is down: all wait
                    for rest in rows[rows.index(delivery) :]:
                        _record_failure(token, rest, result, _Failure(f"SMTP: {exc}"))
                    mail = None
                    return
            try:
                mail.send_messages([email_message(delivery)])
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _msg in exc.recipients.values()]
                _record_failure(
                    token,
                    delivery,
                    result,
                    _Failure(f"SMTP refused: {exc.recipients}", permanent=min(codes) >= 500),
                )
            except smtplib.SMTPResponseException as exc:
                _record_failure(
                    token,
                    delivery,
                    result,
                    _Failure(
                        f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                        permanent=exc.smtp_code >= 500,
                        status=exc.smtp_code,
                    ),
                )
            except Exception as exc:  # noqa: BLE001 - connection lost: retry later, reconnect
                _record_failure(token, delivery, result, _Failure(f"SMTP: {exc}"))
                with contextlib.suppress(Exception):  # already broken
                    mail.close()
                mail = None
            else:
                _record_success(token, delivery, result, (250, ""))
    finally:
        if mail is not None:
            try:
                mail.close()
            except Exception:  # noqa: BLE001
                logger.debug("closing the SMTP connection failed", exc_info=True)


# --- SMS and webhooks --------------------------------------------------------------------------


def _send_sms(backend: Any, delivery: Delivery) -> tuple[int | None, str]:
    try:
        answer = backend.send(to=delivery.address, text=delivery.body, message_id=f"d{delivery.pk}")
    except SmsError as exc:
        raise _Failure(
            str(exc), permanent=exc.permanent, status=exc.status, excerpt=exc.excerpt
        ) from exc
    return None, str(answer or "")


def _send_webhook(delivery: Delivery) -> tuple[int | None, str]:
    endpoint = delivery.endpoint
    if endpoint is None:
        raise _Failure("the webhook endpoint was removed", permanent=True)
    body = delivery.body.encode()
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "aftersales-webhooks/1",
        webhooks.EVENT_HEADER: delivery.kind,
        webhooks.DELIVERY_HEADER: str(delivery.pk),
        webhooks.TIMESTAMP_HEADER: str(timestamp),
        webhooks.SIGNATURE_HEADER: webhooks.sign(endpoint.secret, timestamp, body),
    }
    try:
        status, excerpt = post(
            endpoint.url, body, headers=headers, timeout=settings.NOTIFICATIONS_SEND_TIMEOUT
        )
    except HttpFailure as exc:
        raise _Failure(str(exc)) from exc
    if 200 <= status < 300:
        return status, excerpt
    raise _Failure(
        f"the receiver answered {status}", permanent=status == 410, status=status, excerpt=excerpt
    )


# --- Administration ----------------------------------------------------------------------------


def delivery_retry(*, delivery: Delivery, by: Any) -> Delivery:
    """Queue a failed (or skipped) delivery again now, keeping its attempts in the log.

    Raises ValidationFailed for a delivery that is sent or still queued.
    """
    if delivery.status not in (DeliveryStatus.FAILED,):
        raise ValidationFailed(_("Only failed deliveries can be sent again."), field="status")
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=clock.now(), claim_token=None
    )
    delivery.refresh_from_db()
    logger.info("delivery %s queued again by %s", delivery.pk, getattr(by, "username", by))
    return delivery
