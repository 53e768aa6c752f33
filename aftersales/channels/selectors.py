"""Reads of the channels app: who is calling, which calls pop up for whom, the chat of a case,
who is on duty."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from aftersales.accounts.choices import STAFF_ROLES, UserRole
from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases.models import Case, Comment
from aftersales.cases.transitions import OPEN
from aftersales.catalog.entitlement import contract_active_on, entitlement_at
from aftersales.catalog.models import Asset, Contract
from aftersales.channels import phones
from aftersales.channels.choices import SOURCE_RANK, CallState, KnownNumberSource
from aftersales.channels.models import Call, Chat, KnownNumber
from aftersales.customers.models import Contact, Customer
from aftersales.customers.services import UNASSIGNED_CODE


def normalize(raw: str | None) -> str:
    """Return the canonical form of ``raw`` with this installation's local area code."""
    return phones.normalize(raw, local_area_code=settings.CHANNELS_LOCAL_AREA_CODE)


@dataclass(frozen=True)
class CallerMatch:
    """Who a phone number belongs to.

    Only the best kind of match counts (a contact's mobile before a contact's office phone
    before a customer's switchboard). ``customer`` is set when all best matches belong to one
    organisation, ``contact`` when they name exactly one person; ``contacts`` lists the matched
    people either way (for the agent to choose from when it is ambiguous).
    """

    number: str
    contacts: tuple[Contact, ...] = ()
    customers: tuple[Customer, ...] = ()
    source: str = ""
    customer: Customer | None = None
    contact: Contact | None = None

    @property
    def is_known(self) -> bool:
        return self.customer is not None

    @property
    def is_ambiguous(self) -> bool:
        """The number belongs to several organisations: nothing is decided for the agent."""
        return len(self.customers) > 1

    @property
    def preferred_contact(self) -> Contact | None:
        """Return the contact to act for when one must be chosen among several people of one
        organisation: the one matched alone, else the primary contact, else the oldest."""
        if self.contact is not None or self.customer is None or not self.contacts:
            return self.contact
        return sorted(self.contacts, key=lambda c: (not c.is_primary, c.pk))[0]


def caller_identify(number: str) -> CallerMatch:
    """Return who the canonical phone ``number`` belongs to (see ``CallerMatch``).

    One indexed query on the directory of known numbers. The shared "unassigned senders"
    customer is never a match.
    """
    if not number:
        return CallerMatch(number="")
    rows = list(
        KnownNumber.objects.filter(number=number)
        .exclude(customer__code=UNASSIGNED_CODE)
        .select_related("customer", "contact")
        .order_by("customer_id", "contact_id")
    )
    if not rows:
        return CallerMatch(number=number)
    best = min(SOURCE_RANK[KnownNumberSource(r.source)] for r in rows)
    top = [r for r in rows if SOURCE_RANK[KnownNumberSource(r.source)] == best]
    customers = tuple({r.customer_id: r.customer for r in top}.values())
    contacts = tuple({r.contact_id: r.contact for r in top if r.contact is not None}.values())
    one_customer = customers[0] if len(customers) == 1 else None
    return CallerMatch(
        number=number,
        contacts=contacts,
        customers=customers,
        source=top[0].source,
        customer=one_customer,
        contact=contacts[0] if one_customer is not None and len(contacts) == 1 else None,
    )


def open_cases_for(match: CallerMatch, *, limit: int = 10) -> list[Case]:
    """Return the open cases of the matched people, or of the matched organisation when the
    number is its switchboard; newest report first. Nothing for an unknown or ambiguous number.
    """
    if match.customer is None:
        return []
    qs = Case.objects.filter(customer=match.customer, status__in=OPEN)
    if match.contacts:
        qs = qs.filter(contact__in=[c.pk for c in match.contacts])
    return list(qs.select_related("assignee").order_by("-reported_at", "-id")[:limit])


@dataclass
class EntitlementSummary:
    """What a customer is entitled to today, in a few numbers for the screen-pop."""

    contracts: list[Contract] = field(default_factory=list)
    units: int = 0
    in_warranty: int = 0
    best_level: str | None = None


def entitlement_summary(customer: Customer, *, today: date) -> EntitlementSummary:
    """Return the customer's contracts in force today and how many of its units are under
    hardware warranty (computed by ``catalog.entitlement``, the same rules as everywhere)."""
    contracts = [
        c
        for c in Contract.objects.filter(customer=customer).order_by("number")
        if contract_active_on(c, today)
    ]
    summary = EntitlementSummary(contracts=contracts)
    levels = {c.service_level for c in contracts}
    summary.best_level = "7x24" if "7x24" in levels else ("5x8" if "5x8" in levels else None)
    for asset in Asset.objects.filter(customer=customer).select_related("contract").iterator():
        summary.units += 1
        if entitlement_at(asset, today).hardware_warranty.active:
            summary.in_warranty += 1
    return summary


def call_list_visible_to(*, user: Any) -> QuerySet[Call]:
    """Return the calls ``user`` may see: every call for staff, none for anybody else (calls
    carry recording links and other customers' numbers)."""
    qs = Call.objects.select_related("agent", "customer", "contact", "case")
    if has_capability(user, Capability.VIEW_ALL):
        return qs
    return qs.none()


def calls_for_pop(*, user: Any, now: datetime) -> list[Call]:
    """Return the calls that pop up on ``user``'s console, newest first.

    Ringing and answered calls to the user's extension, and ended calls whose draft case the
    user still has to complete; a dismissed call never. Calls older than
    ``CHANNELS_CALL_STALE_HOURS`` are dropped (their end event may have been lost). One query on
    the (agent, started_at) index.
    """
    if not getattr(user, "is_service_staff", False):
        return []
    stale = now - timedelta(hours=settings.CHANNELS_CALL_STALE_HOURS)
    return list(
        Call.objects.filter(agent=user, dismissed_at__isnull=True, started_at__gte=stale)
        .filter(Q(state__in=[CallState.RINGING, CallState.ANSWERED]) | Q(needs_completion=True))
        .select_related("customer", "contact", "case")
        .order_by("-started_at", "-id")[:5]
    )


def pop_fingerprint(*, user: Any, now: datetime) -> str:
    """Return a short token of what ``user``'s screen-pop shows (the calls of ``calls_for_pop``
    and the chats of ``chats_waiting_for``): the poll answers "nothing new" while it stays the
    same.

    The poll of every open console page asks this every few seconds, so it is two plain
    statements on the (agent, started_at) and (agent, waiting_since) indexes, with no ORM query
    compilation (which cost more than the statements themselves).
    """
    if not getattr(user, "is_service_staff", False):
        return ""
    call, chat, comment = Call._meta.db_table, Chat._meta.db_table, Comment._meta.db_table
    users = User._meta.db_table
    stale = now - timedelta(hours=settings.CHANNELS_CALL_STALE_HOURS)
    roles = list(STAFF_ROLES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, state, case_id, contact_id, customer_id, needs_completion FROM {call} "  # noqa: S608 (table names from the models)
            "WHERE agent_id = %s AND dismissed_at IS NULL AND started_at >= %s "
            "AND (state IN (%s, %s) OR needs_completion) ORDER BY started_at DESC, id DESC LIMIT 5",
            [user.pk, stale, CallState.RINGING, CallState.ANSWERED],
        )
        calls = cursor.fetchall()
        cursor.execute(
            f"SELECT ch.id, ch.waiting_since FROM {chat} ch "  # noqa: S608 (table names from the models)
            "WHERE ch.waiting_since IS NOT NULL AND (ch.agent_id = %s OR ch.agent_id IS NULL) "
            f"AND NOT EXISTS (SELECT 1 FROM {comment} cm JOIN {users} u ON u.id = cm.author_id "
            "WHERE cm.case_id = ch.case_id AND cm.is_public AND cm.created_at >= ch.waiting_since "
            f"AND u.role IN ({', '.join(['%s'] * len(roles))})) "
            "ORDER BY ch.waiting_since, ch.id LIMIT 10",
            [user.pk, *roles],
        )
        chats = cursor.fetchall()
    parts = [
        f"{pk}:{state}:{case}:{contact}:{customer}:{bool(nc)}"
        for pk, state, case, contact, customer, nc in calls
    ]
    parts += [f"chat{pk}:{since}" for pk, since in chats]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def chat_messages(*, case: Case, after: int = 0, limit: int = 200) -> list[Comment]:
    """Return the conversation with the customer on ``case``: its public comments after the
    comment id ``after``, oldest first (the last ``limit`` of them on the first load)."""
    qs = Comment.objects.filter(case=case, is_public=True).select_related("author")
    if after:
        return list(qs.filter(pk__gt=after).order_by("pk")[:limit])
    return list(reversed(qs.order_by("-pk")[:limit]))


def _least_loaded(users: QuerySet[User]) -> User | None:
    return (
        users.annotate(load=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN)))
        .order_by("load", "pk")
        .first()
    )


def on_duty_agent(case: Case) -> User | None:
    """Return who answers the customer on ``case`` now.

    The case's assignee when they are on duty; else the least loaded member on duty of the
    case's team; else the least loaded call-center agent on duty. None when nobody is on duty.
    """
    assignee = case.assignee
    if assignee is not None and assignee.is_service_staff and assignee.is_available:
        return assignee
    on_duty = User.objects.filter(is_active=True, is_available=True, role__in=STAFF_ROLES)
    if case.team_id is not None:
        member = _least_loaded(on_duty.filter(teams=case.team_id))
        if member is not None:
            return member
    return _least_loaded(on_duty.filter(role=UserRole.AGENT))


def chats_waiting_for(*, user: Any, limit: int = 10) -> list[Chat]:
    """Return the chats whose customer waits for an answer that ``user`` should give: chats
    answered by ``user`` and chats nobody answers yet (no agent on duty when they started),
    oldest wait first. A public staff reply on the case (from the chat or the case page) ends
    the wait."""
    if not getattr(user, "is_service_staff", False):
        return []
    answered = Comment.objects.filter(
        case_id=OuterRef("case_id"),
        is_public=True,
        author__role__in=STAFF_ROLES,
        created_at__gte=OuterRef("waiting_since"),
    )
    return list(
        Chat.objects.filter(waiting_since__isnull=False)
        .filter(Q(agent=user) | Q(agent__isnull=True))
        .exclude(Exists(answered))
        .select_related("case", "case__customer")
        .order_by("waiting_since", "id")[:limit]
    )


def chat_of(case: Case) -> Chat | None:
    """Return the chat of ``case``, if a chat was ever started on it."""
    return Chat.objects.select_related("agent").filter(case=case).first()
