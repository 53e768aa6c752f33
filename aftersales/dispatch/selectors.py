"""Reads of field service: who to send to a case, and why; visits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case as Case_
from django.db.models import Count, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.calendars.engine import add_working_time, working_time_between
from aftersales.calendars.selectors import calendar_spec
from aftersales.cases.models import Case
from aftersales.cases.transitions import OPEN
from aftersales.dispatch.choices import DistanceClass, VisitStatus
from aftersales.dispatch.models import (
    Absence,
    BackupUnit,
    ChecklistItem,
    EngineerProfile,
    Loan,
    Visit,
)
from aftersales.training.selectors import valid_trainings

# Points of each factor in the ranking (the reasons say which applied).
SKILL_POINTS = 40
DISTANCE_POINTS = {DistanceClass.LOCAL: 30, DistanceClass.SERVED: 20, DistanceClass.REMOTE: 0}
ONCALL_POINTS = 15
LOAD_POINTS = 15
DEFAULT_CALENDAR = "cn-5x8"


def travel_hours() -> dict[str, float]:
    """Return the travel time assumed per distance class (``DISPATCH_TRAVEL_HOURS``)."""
    configured = getattr(settings, "DISPATCH_TRAVEL_HOURS", {})
    return {
        DistanceClass.LOCAL: float(configured.get("local", 2)),
        DistanceClass.SERVED: float(configured.get("served", 6)),
        DistanceClass.REMOTE: float(configured.get("remote", 24)),
    }


@dataclass
class Candidate:
    """One engineer for a case, with the score, the reasons and the estimated arrival."""

    engineer: User
    score: int
    eta: datetime | None
    distance: str
    open_cases: int
    capacity: int
    on_call: bool
    skilled: bool
    available: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "engineer": self.engineer.username,
            "name": self.engineer.get_full_name() or self.engineer.username,
            "score": self.score,
            "eta": self.eta.isoformat() if self.eta else None,
            "distance": self.distance,
            "open_cases": self.open_cases,
            "capacity": self.capacity,
            "on_call": self.on_call,
            "skilled": self.skilled,
            "available": self.available,
            "reasons": self.reasons,
        }


def case_region_id(case: Case) -> int | None:
    """Return the region the work is in: the site's, else the customer's."""
    site = case.site if case.site_id else None
    if site is not None and getattr(site, "region_id", None):
        return site.region_id
    return case.customer.region_id


def _oncall_user_ids(now: datetime, region_id: int | None) -> set[int]:
    try:
        from aftersales.notifications.models import OnCallShift
    except ImportError:  # pragma: no cover - the roster lives in notifications
        return set()
    shifts = OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).filter(
        Q(region__isnull=True) | Q(region_id=region_id)
    )
    return set(shifts.values_list("user_id", flat=True))


def _distance(profile: EngineerProfile | None, region_id: int | None, served: set[int]) -> str:
    if profile is not None and region_id is not None and profile.home_region_id == region_id:
        return DistanceClass.LOCAL
    if region_id is not None and region_id in served:
        return DistanceClass.SERVED
    return DistanceClass.REMOTE


def _start_of_work(
    profile: EngineerProfile | None, now: datetime, specs: dict[str, Any] | None = None
) -> datetime:
    """Return when the engineer's working time next starts (``now`` if working). ``specs``
    keeps the calendars looked up by code during one ranking (the default calendar, looked up
    by code, would cost a query per engineer without a calendar of their own)."""
    calendar = profile.calendar if profile and profile.calendar_id else DEFAULT_CALENDAR
    if isinstance(calendar, str) and specs is not None:
        if calendar not in specs:
            specs[calendar] = calendar_spec(calendar)
        spec = specs[calendar]
    else:
        spec = calendar_spec(calendar)
    if working_time_between(spec, now, now + timedelta(seconds=1)) == 1:
        return now
    return add_working_time(spec, now, 1) - timedelta(seconds=1)


def engineers() -> QuerySet[User]:
    """Return the active engineers, each with their profile and open-case count."""
    return (
        User.objects.filter(role=UserRole.ENGINEER, is_active=True)
        .select_related("engineer_profile__home_region", "engineer_profile__calendar")
        .prefetch_related("engineer_profile__regions_served", "engineer_profile__certifications")
        .annotate(open_cases=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN)))
        .order_by("username")
    )


def dispatch_candidates(*, case: Case, now: datetime) -> list[Candidate]:
    """Rank the engineers for ``case`` at ``now``, best first, each with the reasons.

    Factors: the product line (profile or a certification valid today), the distance class
    (home region, a region served, elsewhere), on call now, and the current load against the
    capacity. Engineers away (marked off duty or on an absence now) come last, with the reason.
    The ETA is the start of their working time (now if working or on call) plus the travel time
    of the distance class.
    """
    region_id = case_region_id(case)
    category = case.asset.product.category if case.asset_id else ""
    today = timezone.localdate(now)
    oncall = _oncall_user_ids(now, region_id)
    away = dict(
        Absence.objects.filter(starts_at__lte=now, ends_at__gt=now).values_list(
            "profile__user_id", "ends_at"
        )
    )
    hours = travel_hours()
    people = list(engineers())
    trained: dict[int, list[Any]] = {}
    for row in valid_trainings(user_ids=[u.pk for u in people], on=today):
        trained.setdefault(row.user_id, []).append(row)
    ranked: list[Candidate] = []
    specs: dict[str, Any] = {}
    for user in people:
        profile = getattr(user, "engineer_profile", None)
        served = {r.pk for r in profile.regions_served.all()} if profile else set()
        capacity = profile.capacity if profile else 8
        reasons: list[str] = []
        skilled = False
        if category and profile is not None:
            if category in (profile.product_lines or []):
                skilled = True
                reasons.append(_("services %(line)s") % {"line": category})
            else:
                certs = [
                    c
                    for c in profile.certifications.all()
                    if c.product_line == category
                    and (c.expires_on is None or c.expires_on >= today)
                ]
                if certs:
                    skilled = True
                    reasons.append(_("certified: %(name)s") % {"name": certs[0].name})
        if category and not skilled:
            courses = [t for t in trained.get(user.pk, []) if t.course.product_line == category]
            if courses:
                skilled = True
                reasons.append(_("trained: %(course)s") % {"course": courses[0].course.name})
        if category and not skilled:
            reasons.append(_("no skill for %(line)s") % {"line": category})
        distance = _distance(profile, region_id, served)
        reasons.append(
            {
                DistanceClass.LOCAL: _("home region"),
                DistanceClass.SERVED: _("serves the region"),
                DistanceClass.REMOTE: _("outside the regions served"),
            }[distance]
        )
        on_call = user.pk in oncall
        if on_call:
            reasons.append(_("on call now"))
        open_cases = int(getattr(user, "open_cases", 0))
        reasons.append(
            _("%(open)d of %(capacity)d open cases") % {"open": open_cases, "capacity": capacity}
        )
        available = user.is_available and user.pk not in away
        if not user.is_available:
            reasons.append(_("off duty"))
        elif user.pk in away:
            reasons.append(
                _("away until %(until)s")
                % {"until": timezone.localtime(away[user.pk]).strftime("%Y-%m-%d %H:%M")}
            )
        free = max(capacity - open_cases, 0) / capacity
        score = (
            (SKILL_POINTS if skilled else 0)
            + DISTANCE_POINTS[distance]
            + (ONCALL_POINTS if on_call else 0)
            + round(LOAD_POINTS * free)
        )
        eta = None
        if available:
            start = now if on_call else _start_of_work(profile, now, specs)
            eta = start + timedelta(hours=hours[distance])
        ranked.append(
            Candidate(
                engineer=user,
                score=score,
                eta=eta,
                distance=distance,
                open_cases=open_cases,
                capacity=capacity,
                on_call=on_call,
                skilled=skilled,
                available=available,
                reasons=reasons,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    ranked.sort(key=lambda c: (not c.available, -c.score, c.eta or far, c.engineer.username))
    return ranked


def case_visits(*, case: Case) -> QuerySet[Visit]:
    return (
        Visit.objects.filter(case=case)
        .select_related("engineer")
        .prefetch_related("parts")
        .order_by("planned_at", "id")
    )


def visits_for_engineer(*, user: User, now: datetime) -> QuerySet[Visit]:
    """Return the engineer's visits that are not finished, and today's finished ones."""
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Visit.objects.filter(engineer=user)
        .filter(
            Q(status__in=[VisitStatus.PLANNED, VisitStatus.TRAVELLING, VisitStatus.ON_SITE])
            | Q(departed_at__gte=start_of_day)
        )
        .select_related("case__customer", "case__site", "case__asset__product")
        .order_by("planned_at", "id")
    )


def on_call_at(*, at: datetime, region: Any = None) -> QuerySet[Any]:
    """Return the on-call shifts covering ``at`` (start inclusive, end exclusive), for
    ``region`` (its own shifts and those for every region) or for all regions when ``None``."""
    from aftersales.notifications.models import OnCallShift

    shifts = OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at).select_related(
        "user", "region", "team"
    )
    if region is not None:
        shifts = shifts.filter(Q(region__isnull=True) | Q(region=region))
    return shifts.order_by("region__code", "starts_at", "id")


def upcoming_shifts(*, start: datetime, days: int = 7, region: Any = None) -> QuerySet[Any]:
    """Return the on-call shifts overlapping the next ``days`` days from ``start``."""
    from aftersales.notifications.models import OnCallShift

    shifts = OnCallShift.objects.filter(
        ends_at__gt=start, starts_at__lt=start + timedelta(days=days)
    ).select_related("user", "region", "team")
    if region is not None:
        shifts = shifts.filter(Q(region__isnull=True) | Q(region=region))
    return shifts.order_by("starts_at", "region__code", "id")


def case_checklist(*, case: Case) -> QuerySet[Any]:

    return ChecklistItem.objects.filter(case=case).select_related("done_by").order_by("position")


def case_loans(*, case: Case) -> QuerySet[Any]:

    return Loan.objects.filter(case=case).select_related("unit__product", "issued_by")


def units_available(*, product: Any = None) -> QuerySet[Any]:
    """Return backup units in the pool and not lent out (of ``product`` first when given)."""

    lent = Loan.objects.filter(returned_at__isnull=True).values("unit_id")
    units = BackupUnit.objects.filter(is_active=True).exclude(pk__in=lent).select_related("product")
    if product is not None:
        return units.order_by(Case_(When(product=product, then=0), default=1), "serial_number")
    return units.order_by("serial_number")


def loans_overdue(*, today: Any) -> QuerySet[Any]:
    """Return the loans not returned by their due day."""

    return (
        Loan.objects.filter(returned_at__isnull=True, due_back__lt=today)
        .select_related("unit", "case__customer")
        .order_by("due_back")
    )
