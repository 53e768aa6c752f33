"""The return windows at their boundary days (the delivery day is day 0; the last day is in)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.translation import override

from aftersales.returns.policy import evaluate

DELIVERED = dt.date(2026, 3, 1)


def on(day: int) -> dt.date:
    return DELIVERED + dt.timedelta(days=day)


@pytest.mark.parametrize(
    ("kind", "reason", "day", "eligible", "rule"),
    [
        # Returns for a quality problem: 7 days.
        ("return", "quality", 0, True, "quality_window"),
        ("return", "quality", 7, True, "quality_window"),
        ("return", "quality", 8, False, "quality_window"),
        ("return", "damaged_in_transport", 7, True, "quality_window"),
        ("return", "not_as_described", 8, False, "quality_window"),
        # Exchanges for a quality problem: 15 days.
        ("exchange", "quality", 0, True, "quality_window"),
        ("exchange", "quality", 8, True, "quality_window"),
        ("exchange", "quality", 15, True, "quality_window"),
        ("exchange", "quality", 16, False, "quality_window"),
        # Without a quality problem: not offered by default (RETURNS_NO_REASON_DAYS = 0).
        ("return", "no_longer_needed", 0, False, "no_reason_not_offered"),
        ("return", "other", 1, False, "no_reason_not_offered"),
        ("exchange", "no_longer_needed", 0, False, "no_reason_not_offered"),
    ],
)
def test_windows_at_the_boundaries(kind, reason, day, eligible, rule):
    decision = evaluate(kind=kind, reason=reason, delivered_on=DELIVERED, today=on(day))
    assert (decision.eligible, decision.rule, decision.day) == (eligible, rule, day)
    assert decision.explanation


def test_explanation_names_the_window_and_its_last_day():
    inside = evaluate(kind="return", reason="quality", delivered_on=DELIVERED, today=on(7))
    assert "2026-03-08" in inside.explanation
    assert inside.window_days == 7
    outside = evaluate(kind="exchange", reason="quality", delivered_on=DELIVERED, today=on(16))
    assert "2026-03-16" in outside.explanation
    assert "16" in outside.explanation


def test_missing_delivery_date_is_not_eligible_and_says_why():
    with override("en"):
        decision = evaluate(kind="return", reason="quality", delivered_on=None, today=on(1))
    assert not decision.eligible
    assert decision.rule == "no_delivery_date"
    assert "delivery date" in decision.explanation


def test_delivery_after_the_request_is_not_eligible():
    decision = evaluate(kind="return", reason="quality", delivered_on=on(3), today=on(1))
    assert (decision.eligible, decision.rule) == (False, "not_delivered_yet")


@pytest.mark.parametrize(("day", "eligible"), [(0, True), (7, True), (8, False)])
def test_a_configured_no_reason_window(settings, day, eligible):
    settings.RETURNS_NO_REASON_DAYS = 7
    decision = evaluate(
        kind="return", reason="no_longer_needed", delivered_on=DELIVERED, today=on(day)
    )
    assert (decision.eligible, decision.rule) == (eligible, "no_reason_window")


def test_windows_follow_settings(settings):
    settings.RETURNS_RETURN_DAYS = 10
    assert evaluate(kind="return", reason="quality", delivered_on=DELIVERED, today=on(10)).eligible
    assert not evaluate(
        kind="return", reason="quality", delivered_on=DELIVERED, today=on(11)
    ).eligible
