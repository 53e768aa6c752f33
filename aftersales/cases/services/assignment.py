"""Team auto-assignment: round robin or least loaded among the members on duty."""

from __future__ import annotations

from django.db.models import Count, Q

from aftersales.accounts.choices import TeamAssignment
from aftersales.accounts.models import Team, User
from aftersales.cases.transitions import OPEN


def team_pick_assignee(team: Team) -> User | None:
    """Return who in ``team`` should get the next case, or None (manual teams, nobody on duty).

    Round robin takes the next member on duty after the last one picked (by user id); least
    loaded takes the member on duty with the fewest open cases (ties: lowest id). The caller
    records ``team.last_assigned``.
    """
    if team.assignment == TeamAssignment.MANUAL:
        return None
    members = team.members.filter(is_active=True, is_available=True).order_by("pk")
    if team.assignment == TeamAssignment.ROUND_ROBIN:
        last = team.last_assigned_id or 0
        return members.filter(pk__gt=last).first() or members.first()
    loads = members.annotate(
        load=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN))
    ).order_by("load", "pk")
    return loads.first()
