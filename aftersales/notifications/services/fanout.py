"""Fan events and notices out into deliveries: who hears, on which channel, and when.

Runs in the delivery task, never in a request. Each batch is one transaction that locks its rows
(``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite runs one writer at a time), writes
the deliveries with their unique dedupe keys (``INSERT … ON CONFLICT DO NOTHING``) and marks the
rows done, so two workers, or one that runs twice, make every delivery once.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.selectors import user_zone
from aftersales.core import clock
from aftersales.notifications.choices import (
    CUSTOMER_EVENTS,
    STAFF_EVENTS,
    URGENT_EVENTS,
    Channel,
    DeliveryStatus,
    EventKind,
    EventStatus,
)
from aftersales.notifications.models import (
    Delivery,
    Notification,
    NotificationEvent,
    WebhookEndpoint,
)
from aftersales.notifications.selectors import (
    PreferenceBook,
    case_region_id,
    is_after_hours,
    oncall_users,
    preference_book,
    quiet_until,
    user_language,
)
from aftersales.notifications.services.notices import notifications_build, notifications_save
from aftersales.notifications.services.rendering import (
    TARGET_LABELS,
    event_context,
    new_message_id,
    render_email,
    render_notice_email,
    render_notice_sms,
    render_sms,
    webhook_body,
)


@dataclass
class FanOutResult:
    events: int = 0
    notices: int = 0
    stale: int = 0
    deliveries: int = 0
    oncall_notices: int = 0


@dataclass
class _Recipient:
    user: User | None
    contact: Any
    email: str
    phone: str
    language: str
    zone: zoneinfo.ZoneInfo
    name: str


@dataclass
class _Batch:
    now: datetime
    rows: list[Delivery] = field(default_factory=list)

    def add(self, delivery: Delivery) -> None:
        delivery.created_at = self.now
        if delivery.next_attempt_at is None and delivery.status == DeliveryStatus.PENDING:
            delivery.next_attempt_at = self.now
        self.rows.append(delivery)

    def save(self) -> int:
        if not self.rows:
            return 0
        Delivery.objects.bulk_create(self.rows, ignore_conflicts=True)
        return len(self.rows)


def _max_age() -> timedelta:
    return timedelta(hours=settings.NOTIFICATIONS_EVENT_MAX_AGE_HOURS)


def _default_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _phone(value: str) -> str:
    return "".join(value.split())


# --- Events (the outbox) ----------------------------------------------------------------------


def events_fan_out(*, now: datetime | None = None, batch_size: int | None = None) -> FanOutResult:
    """Turn every pending outbox event into deliveries; return the counts."""
    result = FanOutResult()
    size = batch_size or settings.NOTIFICATIONS_BATCH
    while _events_batch(now=now or clock.now(), size=size, result=result) == size:
        pass
    return result


def customer_should_hear(event: NotificationEvent) -> bool:
    """Return whether the customer's contacts are told about ``event``.

    Status moves made in private (``public=False``) stay internal; of the other moves, the
    customer hears about the first response, the resolution, reopenings and the statuses in
    ``NOTIFICATIONS_CUSTOMER_STATUSES`` (by default dispatched, waiting for the customer,
    waiting for parts, closed), not internal steps such as diagnosing.
    """
    if event.kind not in CUSTOMER_EVENTS:
        return False
    data = event.data or {}
    if "public" in data and not data["public"]:
        return False
    if event.kind == EventKind.STATUS_CHANGED:
        return bool(data.get("reopening")) or (
            data.get("to_status") in settings.NOTIFICATIONS_CUSTOMER_STATUSES
        )
    return True


@transaction.atomic
def _events_batch(*, now: datetime, size: int, result: FanOutResult) -> int:
    events = list(
        NotificationEvent.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "case__customer",
            "case__contact",
            "case__created_by",
            "case__assignee",
            "case__team",
            "case__site",
            "actor",
        )
        .filter(status=EventStatus.PENDING)
        .order_by("created_at", "id")[:size]
    )
    if not events:
        return 0
    stale = [e for e in events if now - e.created_at > _max_age()]
    live = [e for e in events if e not in stale]
    batch = _Batch(now=now)
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).order_by("pk"))
    hearing = [e for e in live if customer_should_hear(e)]
    recipients = _customer_recipients([e.case for e in hearing])
    book = preference_book(
        user_ids={r.user.pk for rs in recipients.values() for r in rs if r.user is not None},
        customer_ids={e.case.customer_id for e in hearing},
    )
    replies = _reply_texts(hearing)
    for event in live:
        case = event.case
        if event in hearing:
            extra = {"reply": replies.get(int((event.data or {}).get("comment") or 0), "")}
            for person in recipients.get(case.pk, []):
                if (
                    person.user is not None
                    and person.user.pk == event.actor_id
                    and event.kind != EventKind.CASE_CREATED
                ):
                    continue  # nobody is told about what they did themselves
                _customer_deliveries(event, case, person, book, batch, extra)
        body = None
        for endpoint in endpoints:
            if endpoint.wants(event.kind):
                body = body or webhook_body(event, case)
                batch.add(
                    Delivery(
                        event=event,
                        kind=event.kind,
                        case=case,
                        channel=Channel.WEBHOOK,
                        endpoint=endpoint,
                        address=endpoint.url,
                        subject=event.kind,
                        body=body,
                        dedupe_key=f"e{event.pk}:webhook:{endpoint.pk}",
                    )
                )
        result.oncall_notices += _oncall(event, case, now)
    result.deliveries += batch.save()
    if live:
        NotificationEvent.objects.filter(pk__in=[e.pk for e in live]).update(
            status=EventStatus.DONE, processed_at=now
        )
    if stale:
        NotificationEvent.objects.filter(pk__in=[e.pk for e in stale]).update(
            status=EventStatus.STALE, processed_at=now
        )
    result.events += len(live)
    result.stale += len(stale)
    return len(events)


def _customer_recipients(cases: list[Any]) -> dict[int, list[_Recipient]]:
    """Return, per case, the people at the customer who hear about it: the case's contact (as
    their user account when one has the same e-mail address at the same customer) and the
    customer contact who opened it, each once."""
    wanted: dict[int, set[str]] = {}
    for case in cases:
        if case.contact_id and case.contact.email:
            wanted.setdefault(case.customer_id, set()).add(case.contact.email.lower())
    accounts: dict[tuple[int | None, str], User] = {}
    if wanted:
        emails = {e for es in wanted.values() for e in es}
        for user in User.objects.filter(
            role=UserRole.CUSTOMER_CONTACT, is_active=True, customer_id__in=list(wanted)
        ).exclude(email=""):
            if user.email.lower() in emails:
                accounts.setdefault((user.customer_id, user.email.lower()), user)
    default_zone = _default_zone()
    out: dict[int, list[_Recipient]] = {}
    for case in cases:
        if case.pk in out:
            continue
        people: list[_Recipient] = []
        contact = case.contact if case.contact_id else None
        if contact is not None:
            account = (
                accounts.get((case.customer_id, contact.email.lower())) if contact.email else None
            )
            people.append(
                _Recipient(
                    user=account,
                    contact=contact,
                    email=contact.email or (account.email if account else ""),
                    phone=_phone(contact.mobile or (account.phone if account else "")),
                    language=user_language(account) if account else "",
                    zone=user_zone(account) if account else default_zone,
                    name=contact.name,
                )
            )
        creator = case.created_by if case.created_by_id else None
        if (
            creator is not None
            and creator.is_active
            and creator.is_customer_contact
            and creator.customer_id == case.customer_id
            and all(
                p.user != creator and (not p.email or p.email.lower() != creator.email.lower())
                for p in people
            )
        ):
            people.append(
                _Recipient(
                    user=creator,
                    contact=None,
                    email=creator.email,
                    phone=_phone(creator.phone),
                    language=user_language(creator),
                    zone=user_zone(creator),
                    name=creator.get_full_name() or creator.username,
                )
            )
        out[case.pk] = people
    return out


def _reply_texts(events: list[NotificationEvent]) -> dict[int, str]:
    ids = [e.data["comment"] for e in events if (e.data or {}).get("comment")]
    if not ids:
        return {}
    Comment = apps.get_model("cases", "Comment")  # noqa: N806 - a model class
    return dict(Comment.objects.filter(pk__in=ids, is_public=True).values_list("pk", "body"))


def _customer_deliveries(
    event: NotificationEvent,
    case: Any,
    person: _Recipient,
    book: PreferenceBook,
    batch: _Batch,
    extra: dict[str, Any],
) -> None:
    channels = book.channels(event.kind, user=person.user, customer_id=case.customer_id)
    language = person.language or book.customer_language(case.customer_id)
    who = f"u{person.user.pk}" if person.user else f"c{person.contact.pk}"
    context = event_context(event, case, {**extra, "recipient_name": person.name})
    common: dict[str, Any] = {
        "event": event,
        "kind": event.kind,
        "case": case,
        "user": person.user,
        "contact": person.contact,
        "language": language,
    }
    if Channel.EMAIL in channels:
        if person.email:
            mail = render_email(
                event.kind, context, language=language, zone=person.zone, number=case.number
            )
            batch.add(
                Delivery(
                    **common,
                    channel=Channel.EMAIL,
                    address=person.email,
                    subject=mail.subject,
                    body=mail.text,
                    html=mail.html,
                    message_id=new_message_id(case.number, fallback="event"),
                    dedupe_key=f"e{event.pk}:email:{person.email.lower()}"[:200],
                )
            )
        else:
            batch.add(_skipped(common, Channel.EMAIL, f"e{event.pk}:email:none:{who}"))
    if Channel.SMS in channels:
        if person.phone:
            batch.add(
                Delivery(
                    **common,
                    channel=Channel.SMS,
                    address=person.phone,
                    body=render_sms(event.kind, context, language=language, zone=person.zone),
                    dedupe_key=f"e{event.pk}:sms:{person.phone}"[:200],
                )
            )
        else:
            batch.add(_skipped(common, Channel.SMS, f"e{event.pk}:sms:none:{who}"))


def _skipped(common: dict[str, Any], channel: str, key: str) -> Delivery:
    """Return a delivery that records why nothing was sent (visible in the delivery log)."""
    reason = (
        _("No e-mail address on file.")
        if channel == Channel.EMAIL
        else _("No mobile number on file.")
    )
    return Delivery(
        **common,
        channel=channel,
        address="",
        status=DeliveryStatus.SKIPPED,
        last_error=str(reason),
        dedupe_key=key[:200],
    )


def _oncall_kind(event: NotificationEvent, case: Any) -> str | None:
    if event.kind in (EventKind.SLA_BREACH, EventKind.ESCALATION):
        return str(event.kind)
    if (
        event.kind == EventKind.CASE_CREATED
        and case.severity in settings.NOTIFICATIONS_URGENT_SEVERITIES
    ):
        return EventKind.URGENT_CASE
    return None


def _oncall(event: NotificationEvent, case: Any, now: datetime) -> int:
    """After hours, give the on-call person an urgent notice of ``event`` (unless they already
    got one as a rung of the escalation ladder); return how many notices were written."""
    kind = _oncall_kind(event, case)
    if kind is None or not is_after_hours(event.created_at):
        return 0
    people = oncall_users(at=event.created_at, team_id=case.team_id, region_id=case_region_id(case))
    if not people:
        return 0
    already = set(
        Notification.objects.filter(
            dedupe_key__in=[f"{event.dedupe_key}:{p.pk}" for p in people]
        ).values_list("recipient_id", flat=True)
    )
    data = event.data or {}
    target = TARGET_LABELS.get(data.get("target") or "", data.get("target") or "")

    def render() -> tuple[str, str]:
        if kind == EventKind.SLA_BREACH:
            title = _("On call: case %(number)s missed its %(target)s target") % {
                "number": case.number,
                "target": target,
            }
        elif kind == EventKind.ESCALATION:
            title = _("On call: case %(number)s escalated to level %(level)s") % {
                "number": case.number,
                "level": data.get("level") or "?",
            }
        else:
            title = _("On call: new %(severity)s case %(number)s after hours") % {
                "severity": case.severity,
                "number": case.number,
            }
        return title, f"{case.customer.name}: {case.summary}"

    rows = notifications_build(
        recipients=[p for p in people if p.pk not in already],
        kind=kind,
        case=case,
        render=render,
        dedupe_key=f"oncall:{event.dedupe_key}",
        at=now,
        data={"oncall": True, "event": event.pk, "event_kind": event.kind},
    )
    return notifications_save(rows)


# --- Staff notices ----------------------------------------------------------------------------


def notices_fan_out(*, now: datetime | None = None, batch_size: int | None = None) -> FanOutResult:
    """Pass every new staff notice to e-mail and SMS per its recipient's preferences."""
    result = FanOutResult()
    size = batch_size or settings.NOTIFICATIONS_BATCH
    while _notices_batch(now=now or clock.now(), size=size, result=result) == size:
        pass
    return result


@transaction.atomic
def _notices_batch(*, now: datetime, size: int, result: FanOutResult) -> int:
    notices = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient", "case")
        .filter(dispatched_at__isnull=True)
        .order_by("created_at", "id")[:size]
    )
    if not notices:
        return 0
    book = preference_book(user_ids={n.recipient_id for n in notices}, customer_ids=set())
    batch = _Batch(now=now)
    for notice in notices:
        user = notice.recipient
        if notice.kind not in STAFF_EVENTS or not user.is_active:
            continue  # kinds without a channel table stay in-app only
        if now - notice.created_at > _max_age():
            result.stale += 1
            continue
        _notice_deliveries(notice, user, book, batch, now)
        result.notices += 1
    result.deliveries += batch.save()
    Notification.objects.filter(pk__in=[n.pk for n in notices]).update(dispatched_at=now)
    return len(notices)


def _notice_deliveries(
    notice: Notification, user: User, book: PreferenceBook, batch: _Batch, now: datetime
) -> None:
    channels = book.channels(notice.kind, user=user)
    if not channels:
        return
    zone = user_zone(user)
    language = user_language(user)
    not_before = now
    if notice.kind not in URGENT_EVENTS:
        start, end = book.quiet_hours(user)
        not_before = quiet_until(start=start, end=end, zone=zone, at=now) or now
    number = notice.case.number if notice.case is not None else None
    common: dict[str, Any] = {
        "notification": notice,
        "kind": notice.kind,
        "case_id": notice.case_id,
        "user": user,
        "language": language,
        "next_attempt_at": not_before,
    }
    if Channel.EMAIL in channels:
        if user.email:
            mail = render_notice_email(notice, language=language, zone=zone, number=number)
            batch.add(
                Delivery(
                    **common,
                    channel=Channel.EMAIL,
                    address=user.email,
                    subject=mail.subject,
                    body=mail.text,
                    html=mail.html,
                    message_id=new_message_id(number, fallback=f"notice.{notice.pk}"),
                    dedupe_key=f"n{notice.pk}:email",
                )
            )
        else:
            batch.add(_skipped(common, Channel.EMAIL, f"n{notice.pk}:email"))
    if Channel.SMS in channels:
        if user.phone:
            batch.add(
                Delivery(
                    **common,
                    channel=Channel.SMS,
                    address=_phone(user.phone),
                    body=render_notice_sms(notice, number=number),
                    dedupe_key=f"n{notice.pk}:sms",
                )
            )
        else:
            batch.add(_skipped(common, Channel.SMS, f"n{notice.pk}:sms"))
