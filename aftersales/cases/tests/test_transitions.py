"""The lifecycle table, checked pair by pair, and the service that enforces it."""

from __future__ import annotations

import itertools

import pytest

from aftersales.cases import transitions
from aftersales.cases.choices import CaseStatus
from aftersales.cases.models import Case
from aftersales.cases.services import case_transition
from aftersales.core.errors import InvalidTransition

S = CaseStatus
EXPECTED = {
    S.NEW: {S.RESPONDED, S.DIAGNOSING},
    S.RESPONDED: {
        S.DIAGNOSING,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.WAITING_CUSTOMER,
        S.WAITING_PARTS,
        S.RESOLVED,
    },
    S.DIAGNOSING: {
        S.RESPONDED,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.WAITING_CUSTOMER,
        S.WAITING_PARTS,
        S.RESOLVED,
    },
    S.DISPATCHED: {
        S.RESPONDED,
        S.DIAGNOSING,
        S.IN_PROGRESS,
        S.WAITING_CUSTOMER,
        S.WAITING_PARTS,
        S.RESOLVED,
    },
    S.IN_PROGRESS: {
        S.RESPONDED,
        S.DIAGNOSING,
        S.DISPATCHED,
        S.WAITING_CUSTOMER,
        S.WAITING_PARTS,
        S.RESOLVED,
    },
    S.WAITING_CUSTOMER: {
        S.RESPONDED,
        S.DIAGNOSING,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.WAITING_PARTS,
        S.RESOLVED,
    },
    S.WAITING_PARTS: {
        S.RESPONDED,
        S.DIAGNOSING,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.WAITING_CUSTOMER,
        S.RESOLVED,
    },
    S.RESOLVED: {S.CLOSED, S.IN_PROGRESS},
    S.CLOSED: {S.IN_PROGRESS},
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_table_allows_exactly_the_designed_moves(source, target):
    # given the designed lifecycle / when the table is asked / then it agrees pair by pair
    assert (target in transitions.allowed_from(source)) == (target in EXPECTED[source])


def test_closed_only_follows_resolved():
    sources = {s for s in S if S.CLOSED in transitions.allowed_from(s)}
    assert sources == {S.RESOLVED}


def _force_status(case: Case, status: str) -> Case:
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_service_enforces_every_pair(make_case, agent, source, target):
    # given a case in `source`
    case = _force_status(make_case(), source)
    events_before = case.events.count()
    # when an agent asks for `target`
    if target in EXPECTED[source]:
        moved = case_transition(case=case, to=target, by=agent, note="done")
        # then it moves and the timeline has one more entry
        assert moved.status == target
        assert case.events.count() == events_before + 1
    else:
        with pytest.raises(InvalidTransition) as info:
            case_transition(case=case, to=target, by=agent, note="done")
        # then it is refused with the allowed moves, and nothing changed
        assert set(info.value.extra["allowed"]) == {str(s) for s in EXPECTED[source]}
        case.refresh_from_db()
        assert case.status == source
        assert case.events.count() == events_before
