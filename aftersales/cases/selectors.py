"""Reads of cases: visibility, search and the timeline. Every list starts here."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from aftersales.accounts.models import Team, User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.accounts.selectors import scope_to_user
from aftersales.cases.models import Attachment, Case, CaseEvent, Comment
from aftersales.catalog.models import Contract
from aftersales.customers.models import Contact
from aftersales.sla.selectors import live_clocks_prefetch


def case_list_visible_to(*, user: User) -> QuerySet[Case]:
    """Return the cases ``user`` may see: all for staff, their organisation's for a contact."""
    return scope_to_user(Case.objects.all(), user=user, customer_path="customer_id")


def _key_of(model: type, field: str, ref: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(ref)).values(field)[:1])


def case_list_for_api(*, user: User) -> QuerySet[Case]:
    """Return visible cases with everything a list row shows, in a fixed number of queries.

    Only three references are joined; the natural keys of the others come as scalar subqueries.
    PostgreSQL's planner searches join orders exhaustively up to eight joins: with all nine
    references joined, planning took ~20 ms per query, against ~0.3 ms this way.
    """
    return (
        case_list_visible_to(user=user)
        .select_related("customer", "asset", "sla_policy")
        .annotate(
            contract_number=_key_of(Contract, "number", "contract_id"),
            contact_name=_key_of(Contact, "name", "contact_id"),
            assignee_username=_key_of(User, "username", "assignee_id"),
            team_code=_key_of(Team, "code", "team_id"),
            created_by_username=_key_of(User, "username", "created_by_id"),
        )
        .prefetch_related(live_clocks_prefetch())
    )


def case_search(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Filter ``qs`` to cases whose number, summary, description, customer name, asset serial
    number, contact name or contact phone contains ``text`` (any substring, Chinese included,
    case-insensitive)."""
    text = text.strip()
    if not text:
        return qs
    return qs.filter(
        Q(number__icontains=text)
        | Q(summary__icontains=text)
        | Q(description__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(asset__serial_number__icontains=text)
        | Q(contact__name__icontains=text)
        | Q(contact__phone__icontains=text)
        | Q(contact__mobile__icontains=text)
    )


def case_timeline(*, case: Case, user: User) -> QuerySet[CaseEvent]:
    """Return ``case``'s timeline as ``user`` may read it: customers see public entries only."""
    qs = CaseEvent.objects.filter(case=case).select_related("actor", "comment").order_by("at", "id")
    if not has_capability(user, Capability.INTERNAL_COMMENTS):
        qs = qs.filter(is_public=True)
    return qs


def case_comments(*, case: Case, user: User) -> QuerySet[Comment]:
    """Return ``case``'s comments that ``user`` may read."""
    qs = Comment.objects.filter(case=case).select_related("author")
    if not has_capability(user, Capability.INTERNAL_COMMENTS):
        qs = qs.filter(is_public=True)
    return qs


def case_attachments(*, case: Case, user: User) -> QuerySet[Attachment]:
    """Return the files of ``case`` that ``user`` may see (customers: public ones only)."""
    qs = (
        Attachment.objects.filter(case=case)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )
    if not has_capability(user, Capability.INTERNAL_COMMENTS):
        qs = qs.filter(is_public=True)
    return qs


def attachment_get_visible(*, user: User, attachment_id: int) -> Attachment | None:
    """Return the attachment if ``user`` may download it, else None (answered as 404)."""
    attachment = Attachment.objects.select_related("case").filter(pk=attachment_id).first()
    if attachment is None:
        return None
    if not case_list_visible_to(user=user).filter(pk=attachment.case_id).exists():
        return None
    if not attachment.is_public and not has_capability(user, Capability.INTERNAL_COMMENTS):
        return None
    return attachment


# --- queues for the console ------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50


def case_queue(*, user: User, queue: str) -> QuerySet[Case]:
    """Return the cases of a console queue: ``mine`` (assigned to the user), ``team`` (of the
    user's teams) or ``all`` (everything the user may see)."""
    qs = case_list_for_api(user=user).prefetch_related(None)  # rows show the case's SLA summary
    if queue == "mine":
        return qs.filter(assignee=user)
    if queue == "team":
        return qs.filter(team__in=user.teams.all()) if user.is_authenticated else qs.none()
    return qs


def keyset_page(
    qs: QuerySet[Case], *, after: str | None, size: int = QUEUE_PAGE_SIZE
) -> tuple[list[Case], str | None]:
    """Return one page of ``qs`` ordered by nearest due time (nothing due last), then id, and the
    token of the next page.

    Keyset paging: the cost of a page does not depend on how deep it is, and there is no COUNT.
    The token is ``"<iso due>|<id>"`` or ``"-|<id>"`` once the undue cases are reached.
    """
    qs = qs.order_by(F("sla_due_at").asc(nulls_last=True), "id")
    if after:
        due_text, _sep, id_text = after.partition("|")
        try:
            last_id = int(id_text)
            due = None if due_text == "-" else datetime.fromisoformat(due_text)
            if due is not None and timezone.is_naive(due):
                due = timezone.make_aware(due)
        except ValueError:
            due, last_id = None, 0
            after = None
        if after and due is not None:
            qs = qs.filter(
                Q(sla_due_at__gt=due)
                | Q(sla_due_at=due, id__gt=last_id)
                | Q(sla_due_at__isnull=True)
            )
        elif after:
            qs = qs.filter(sla_due_at__isnull=True, id__gt=last_id)
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    token = f"{last.sla_due_at.isoformat() if last.sla_due_at else '-'}|{last.pk}"
    return rows, token


def case_dashboard(*, user: User, now: datetime) -> dict[str, object]:
    """Return the numbers of the console's home page (a fixed handful of queries).

    Open cases are counted by status and severity through the status index; today's intake
    counts the cases reported since local midnight, by channel.
    """
    from django.db.models import Count

    from aftersales.cases.transitions import OPEN

    visible = case_list_visible_to(user=user)
    open_cases = visible.filter(status__in=OPEN)
    soon = now + timedelta(hours=1)
    urgent = (
        case_list_for_api(user=user)
        .prefetch_related(None)
        .filter(status__in=OPEN)
        .filter(Q(sla_state="breached") | Q(sla_due_at__lte=soon))
        .order_by(F("sla_due_at").asc(nulls_last=True), "id")
    )
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "mine_open": open_cases.filter(assignee=user).count(),
        "team_open": open_cases.filter(team__in=user.teams.all()).count(),
        "urgent": list(urgent[:10]),
        "by_status": dict(open_cases.values_list("status").annotate(n=Count("id")).order_by()),
        "by_severity": dict(open_cases.values_list("severity").annotate(n=Count("id")).order_by()),
        "intake": dict(
            visible.filter(reported_at__gte=midnight)
            .values_list("channel")
            .annotate(n=Count("id"))
            .order_by()
        ),
        "soon": soon,
        "midnight": midnight,
    }
