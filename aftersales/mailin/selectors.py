"""Reads of the e-mail intake: mailboxes' health and the message ledger (staff only)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from aftersales.accounts.models import User
from aftersales.mailin.choices import InboundReason, InboundStatus
from aftersales.mailin.models import InboundMessage, Mailbox


def _is_staff(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_service_staff", False))


def mailbox_list_visible_to(*, user: User | None) -> QuerySet[Mailbox]:
    """Return the mailboxes with their quarantine counts (all, and those too large to download,
    which wait for an administrator); nothing for anyone but staff."""
    quarantined = Q(messages__status=InboundStatus.QUARANTINED)
    queryset = Mailbox.objects.annotate(
        quarantined_count=Count("messages", filter=quarantined),
        too_large_count=Count(
            "messages", filter=quarantined & Q(messages__reason=InboundReason.TOO_LARGE)
        ),
    ).order_by("name")
    return queryset if _is_staff(user) else queryset.none()


def inbound_list_visible_to(
    *, user: User | None, status: str | None = None
) -> QuerySet[InboundMessage]:
    """Return the message ledger, newest first (optionally of one status); staff only."""
    queryset = InboundMessage.objects.select_related("mailbox", "case").defer(
        "body_html", "body_text"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset if _is_staff(user) else queryset.none()


def quarantine_list_visible_to(*, user: User | None) -> QuerySet[InboundMessage]:
    """Return the quarantined messages, oldest first (the order to look at them)."""
    return inbound_list_visible_to(user=user, status=InboundStatus.QUARANTINED).order_by(
        "received_at", "id"
    )
