"""Engineers' scorecards (考核): the measures of their cases in a period and a weighted score.

The weights are a setting (``KPI_WEIGHTS``) and shown with every score. Each component is a
number from 0 to 1: resolution rate, SLA compliance (on-time clocks of all targets), average
satisfaction / 5, and complaints (1 minus 0.25 per upheld complaint, not below 0). A component
without data (no rated case, say) is left out and the other weights count in proportion.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.kpi import rollups
from aftersales.kpi.measures import Period

DEFAULT_WEIGHTS = {
    "resolution_rate": 30,
    "sla_compliance": 30,
    "satisfaction": 30,
    "complaints": 10,
}


def weights() -> dict[str, int]:
    return dict(getattr(settings, "KPI_WEIGHTS", None) or DEFAULT_WEIGHTS)


def engineers_visible_to(user: Any) -> Any:
    """Engineers whose scorecards ``user`` may read: their own (engineers), their region's and
    their teams' (supervisors), everyone's (administrators and service directors)."""
    engineers = User.objects.filter(role=UserRole.ENGINEER).order_by("username")
    if user.role == UserRole.ADMIN or getattr(user, "is_service_director", False):
        return engineers
    if user.role == UserRole.SUPERVISOR:
        return engineers.filter(
            Q(engineer_profile__home_region__supervisor=user) | Q(teams__lead=user)
        ).distinct()
    if user.role == UserRole.ENGINEER:
        return engineers.filter(pk=user.pk)
    return engineers.none()


def scorecard(*, engineer: User, period: Period) -> dict[str, Any]:
    from aftersales.complaints.selectors import complaints_against
    from aftersales.dispatch.models import Visit
    from aftersales.training.models import StaffTraining

    # The case, SLA and satisfaction measures of the engineer's cases, read from the daily
    # rollups (equal to ``measures`` on the same cohort; see ``kpi.rollups``).
    measured = rollups.engineer_measures(engineer=engineer, period=period)
    counts, sla, satisfaction = measured["counts"], measured["sla"], measured["satisfaction"]
    finished = sum(t["finished"] for t in sla["targets"].values())
    on_time = sum(t["on_time"] for t in sla["targets"].values())
    complaints = complaints_against(engineer, (period.first, period.last))
    start, end = period.bounds()
    visits = Visit.objects.filter(
        engineer=engineer, departed_at__gte=start, departed_at__lt=end
    ).aggregate(
        done=Count("id"),
        rated=Count("id", filter=Q(feedback_score__isnull=False)),
        average=Avg("feedback_score"),
    )
    trainings = StaffTraining.objects.filter(user=engineer)
    components = {
        "resolution_rate": counts["resolution_rate"],
        "sla_compliance": round(on_time / finished, 4) if finished else None,
        "satisfaction": (
            round(satisfaction["average"] / 5, 4) if satisfaction["average"] is not None else None
        ),
        "complaints": max(0.0, 1 - 0.25 * complaints.upheld),
    }
    w = weights()
    used = {k: v for k, v in components.items() if v is not None and w.get(k)}
    total = sum(w[k] for k in used)
    score = round(100 * sum(w[k] * v for k, v in used.items()) / total, 1) if total else None
    return {
        "engineer": engineer.username,
        "name": engineer.get_full_name() or engineer.username,
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "cases": counts["cases"],
        "resolved": counts["resolved"],
        "resolution_rate": counts["resolution_rate"],
        "sla_finished": finished,
        "sla_on_time": on_time,
        "sla_compliance": components["sla_compliance"],
        "satisfaction_average": satisfaction["average"],
        "ratings": satisfaction["ratings"],
        "complaints": {
            "total": complaints.total,
            "upheld": complaints.upheld,
            "not_upheld": complaints.not_upheld,
            "pending": complaints.pending,
        },
        "visits": visits["done"],
        "visit_feedback_average": (
            round(float(visits["average"]), 2) if visits["average"] is not None else None
        ),
        "trainings_passed": trainings.filter(result="passed").count(),
        "certificates_expired": trainings.filter(certificate_expires_on__lt=period.last).count(),
        "weights": w,
        "components": components,
        "score": score,
    }


EXPORT_COLUMNS = [
    ("engineer", "Engineer"),
    ("name", "Name"),
    ("cases", "Cases"),
    ("resolved", "Resolved"),
    ("resolution_rate", "Resolution rate"),
    ("sla_compliance", "SLA compliance"),
    ("satisfaction_average", "Satisfaction"),
    ("complaints_upheld", "Complaints upheld"),
    ("visits", "Visits"),
    ("visit_feedback_average", "Visit feedback"),
    ("trainings_passed", "Trainings passed"),
    ("score", "Score"),
]


def export_rows(cards: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for card in cards:
        flat = {**card, "complaints_upheld": card["complaints"]["upheld"]}
        rows.append([flat[key] for key, _label in EXPORT_COLUMNS])
    return rows
