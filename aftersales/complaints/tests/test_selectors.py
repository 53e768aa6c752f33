"""complaints_against(user, period): what a person's assessment counts."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.complaints import services
from aftersales.complaints.selectors import ComplaintCount, complaints_against

D = dt.date


def _at(y, m, d, h=10):
    # local Shanghai time
    return dt.datetime(y, m, d, h, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_counts_by_outcome_within_the_period(make_complaint, engineer, make_user, supervisor):
    other = make_user("engineer", username="other-eng")
    upheld = make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 11, 1))
    services.complaint_conclude(complaint=upheld, by=supervisor, at_fault=True, root_cause="态度")
    cleared = make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 11, 10))
    services.complaint_conclude(complaint=cleared, by=supervisor, at_fault=False, root_cause="误会")
    make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 11, 20))
    # Not counted: another person, a service complaint, and one before the period.
    make_complaint(subject_kind="person", person=other, reported_at=_at(2026, 11, 5))
    make_complaint(subject_kind="service", reported_at=_at(2026, 11, 5))
    make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 10, 31, 23))

    november = complaints_against(engineer, (D(2026, 11, 1), D(2026, 11, 30)))
    assert november == ComplaintCount(total=3, upheld=1, not_upheld=1, pending=1)
    assert complaints_against(other, (D(2026, 11, 1), D(2026, 11, 30))).total == 1
    assert complaints_against(supervisor, (D(2026, 11, 1), D(2026, 11, 30))).total == 0


def test_period_days_are_local_and_inclusive(make_complaint, engineer):
    # 00:30 on 1 November in Shanghai is still 31 October in UTC.
    make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 11, 1, 0))
    make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 11, 10, 23))
    assert complaints_against(engineer, (D(2026, 11, 1), D(2026, 11, 1))).total == 1
    assert complaints_against(engineer, (D(2026, 10, 31), D(2026, 10, 31))).total == 0
    assert complaints_against(engineer, (D(2026, 11, 10), D(2026, 11, 10))).total == 1
    assert complaints_against(engineer, (D(2026, 11, 11), D(2026, 11, 30))).total == 0


def test_reversed_period_is_an_error(engineer):
    with pytest.raises(ValueError, match="period ends before it starts"):
        complaints_against(engineer, (D(2026, 11, 2), D(2026, 11, 1)))


def test_against_endpoint_for_staff_only(client_for, make_complaint, engineer, agent, contact_user):
    make_complaint(subject_kind="person", person=engineer, reported_at=_at(2026, 11, 3))
    url = "/api/v1/complaints/against/?person=engineer&from=2026-11-01&to=2026-11-30"
    response = client_for(agent).get(url)
    assert response.status_code == 200
    assert response.json() == {
        "person": "engineer",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "total": 1,
        "upheld": 0,
        "not_upheld": 0,
        "pending": 1,
    }
    assert client_for(contact_user).get(url).status_code == 403
    bad = client_for(agent).get(
        "/api/v1/complaints/against/?person=engineer&from=2026-11-30&to=2026-11-01"
    )
    assert bad.status_code == 400
