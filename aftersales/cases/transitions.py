"""The case lifecycle: data only, one table, read by ``case_transition`` and the UI."""

from __future__ import annotations

from aftersales.cases.choices import CaseStatus

S = CaseStatus

WORKING = frozenset(
    {S.RESPONDED, S.DIAGNOSING, S.DISPATCHED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_PARTS}
)
OPEN = WORKING | {S.NEW}

ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.RESPONDED, S.DIAGNOSING}),
    **{s: frozenset((WORKING - {s}) | {S.RESOLVED}) for s in WORKING},
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),  # reopen goes back to work
    S.CLOSED: frozenset({S.IN_PROGRESS}),  # reopen, recorded as such
}

REOPENING = frozenset({(S.RESOLVED, S.IN_PROGRESS), (S.CLOSED, S.IN_PROGRESS)})

# Moves a customer contact may make on their own organisation's case: confirm a resolution, say
# it is not fixed after all (reopen), or hand back a case that was waiting for them.
CUSTOMER_ALLOWED = frozenset(
    {
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.CLOSED, S.IN_PROGRESS),
        (S.WAITING_CUSTOMER, S.IN_PROGRESS),
    }
)


def allowed_from(status: str) -> frozenset[str]:
    """Return the statuses a case in ``status`` may move to."""
    return ALLOWED.get(status, frozenset())
