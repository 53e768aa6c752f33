"""Reads of the notifications app: preferences, quiet hours, who is on call, the delivery log."""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.calendars.engine import working_time_between
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.selectors import calendar_spec
from aftersales.notifications.choices import (
    CUSTOMER_EVENTS,
    DEFAULT_CHANNELS,
    STAFF_EVENTS,
    Channel,
    EventKind,
)
from aftersales.notifications.models import (
    CustomerNotificationSettings,
    Delivery,
    OnCallShift,
    UserNotificationSettings,
)

logger = logging.getLogger(__name__)


def events_for_user(user: Any) -> tuple[str, ...]:
    """Return the event kinds ``user`` can receive (and so choose channels for).

    Low-stock notices go only to those who move stock (parts clerks, administrators).
    """
    if getattr(user, "is_customer_contact", False):
        return CUSTOMER_EVENTS
    if getattr(user, "is_superuser", False) or getattr(user, "role", "") in (
        "parts_clerk",
        "admin",
    ):
        return STAFF_EVENTS
    return tuple(e for e in STAFF_EVENTS if e != EventKind.LOW_STOCK)


def user_language(user: Any) -> str:
    """Return the language messages to ``user`` are written in."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def quiet_until(
    *, start: time | None, end: time | None, zone: zoneinfo.ZoneInfo, at: datetime
) -> datetime | None:
    """Return when the quiet hours around ``at`` end, or None if ``at`` is not in them.

    The window is read in ``zone`` and may span midnight (22:00–07:00). A window whose two ends
    are equal is empty.
    """
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(at, zone)
    t = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # over midnight
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    naive = datetime.combine(end_day, end)
    return timezone.make_aware(naive, zone)


@dataclass
class PreferenceBook:
    """The settings of a batch of users and customers, loaded in a few queries.

    Resolution order for one kind of event: the user's own choice; for a customer contact, their
    organisation's default; then the shipped default (``choices.DEFAULT_CHANNELS``).
    """

    users: dict[int, UserNotificationSettings]
    customers: dict[int, CustomerNotificationSettings]

    def channels(
        self, kind: str, *, user: Any | None = None, customer_id: int | None = None
    ) -> frozenset[str]:
        """Return the personal channels that carry ``kind`` for this user or contact."""
        if user is not None:
            own = self.users.get(user.pk)
            if own is not None:
                for pref in own.preferences.all():
                    if pref.event == kind:
                        return pref.channels()
            if getattr(user, "is_customer_contact", False):
                customer_id = customer_id or user.customer_id
        if customer_id is not None:
            org = self.customers.get(customer_id)
            if org is not None:
                for pref in org.preferences.all():
                    if pref.event == kind:
                        return pref.channels()
        return DEFAULT_CHANNELS.get(kind, frozenset())

    def quiet_hours(self, user: Any) -> tuple[time | None, time | None]:
        """Return ``user``'s quiet hours (start, end), or (None, None)."""
        own = self.users.get(user.pk)
        if own is None:
            return None, None
        return own.quiet_hours_start, own.quiet_hours_end

    def customer_language(self, customer_id: int) -> str:
        """Return the language for a customer's contacts who have no account."""
        org = self.customers.get(customer_id)
        return (org.language if org is not None else "") or settings.LANGUAGE_CODE


def preference_book(*, user_ids: set[int], customer_ids: set[int]) -> PreferenceBook:
    """Load the notification settings of these users and customers (four queries at most)."""
    users = (
        {
            s.user_id: s
            for s in UserNotificationSettings.objects.filter(user_id__in=user_ids).prefetch_related(
                "preferences"
            )
        }
        if user_ids
        else {}
    )
    customers = (
        {
            s.customer_id: s
            for s in CustomerNotificationSettings.objects.filter(
                customer_id__in=customer_ids
            ).prefetch_related("preferences")
        }
        if customer_ids
        else {}
    )
    return PreferenceBook(users=users, customers=customers)


@dataclass(frozen=True)
class PreferenceRow:
    event: str
    label: str
    email: bool
    sms: bool


@dataclass(frozen=True)
class UserPreferences:
    events: list[PreferenceRow]
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    quiet_hours_apply: bool


def preferences_for(*, user: User) -> UserPreferences:
    """Return ``user``'s effective choices for every event they can receive, and quiet hours."""
    book = preference_book(
        user_ids={user.pk}, customer_ids={user.customer_id} if user.customer_id else set()
    )
    rows = []
    for kind in events_for_user(user):
        channels = book.channels(kind, user=user)
        rows.append(
            PreferenceRow(
                event=kind,
                label=str(EventKind(kind).label),
                email=Channel.EMAIL in channels,
                sms=Channel.SMS in channels,
            )
        )
    start, end = book.quiet_hours(user)
    return UserPreferences(
        events=rows,
        quiet_hours_start=start,
        quiet_hours_end=end,
        quiet_hours_apply=not user.is_customer_contact,
    )


def is_after_hours(at: datetime, *, calendar_code: str | None = None) -> bool:
    """Return whether ``at`` is outside the working hours of the on-call business calendar.

    A missing calendar counts as after hours (and is logged): an urgent notice should rather
    reach one more person than nobody.
    """
    code = calendar_code or settings.NOTIFICATIONS_ONCALL_CALENDAR
    try:
        spec = calendar_spec(code)
    except BusinessCalendar.DoesNotExist:
        logger.error("on-call calendar %r does not exist; treating every hour as after hours", code)
        return True
    return working_time_between(spec, at, at + timedelta(seconds=1)) == 0


def case_region_id(case: Any) -> int | None:
    """Return the region that routes service for ``case``: its site's, else its customer's."""
    site = case.site if case.site_id else None
    if site is not None and site.region_id:
        return int(site.region_id)
    return int(case.customer.region_id) if case.customer_id else None


def oncall_users(
    *, at: datetime, team_id: int | None = None, region_id: int | None = None
) -> list[User]:
    """Return who is on call at ``at`` for a case of this team and region.

    A shift matches when its team and its region are empty or equal to the case's. Among the
    matching shifts the most specific win (team and region, then team, then region, then
    general ones); everyone on a winning shift is returned, ordered by user id.
    """
    matching = Q(team__isnull=True) | Q(team_id=team_id) if team_id else Q(team__isnull=True)
    matching &= (
        Q(region__isnull=True) | Q(region_id=region_id) if region_id else Q(region__isnull=True)
    )
    shifts = list(
        OnCallShift.objects.filter(
            matching, starts_at__lte=at, ends_at__gt=at, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    )
    if not shifts:
        return []

    def rank(shift: OnCallShift) -> int:
        return (2 if shift.team_id else 0) + (1 if shift.region_id else 0)

    best = max(rank(s) for s in shifts)
    users: dict[int, User] = {}
    for shift in shifts:
        if rank(shift) == best:
            users.setdefault(shift.user_id, shift.user)
    return list(users.values())


def delivery_list(*, user: Any) -> QuerySet[Delivery]:
    """Return the delivery log as ``user`` may read it: administrators everything, others none."""
    qs = Delivery.objects.select_related("event", "case", "endpoint", "user").order_by(
        "-created_at", "-id"
    )
    if has_capability(user, Capability.MANAGE_CONFIG):
        return qs
    return qs.none()


def case_id_for_message_ids(message_ids: list[str]) -> int | None:
    """Return the case of the first of ``message_ids`` that is one of our sent case e-mails.

    For the e-mail intake: a reply's In-Reply-To/References name the Message-IDs it answers.
    """
    wanted = [m.strip() for m in message_ids if m and m.strip()]
    if not wanted:
        return None
    rows = dict(
        Delivery.objects.filter(message_id__in=wanted, case__isnull=False).values_list(
            "message_id", "case_id"
        )
    )
    for message_id in wanted:
        if message_id in rows:
            return int(rows[message_id])
    return None
