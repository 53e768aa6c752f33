"""The returns policy: whether a return or exchange is accepted, from the delivery date and the
reason. Pure functions of their arguments and settings (no database), so they are table-tested.

Days are calendar days counted from the delivery day, which is day 0: with a 7-day window, goods
delivered on 1 March may be returned up to and including 8 March (day 7) and not on 9 March
(day 8). This is the common reading of China's "7 days without reason" rule (the period starts
the day after receipt and runs 7 full days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from aftersales.returns.choices import ReturnKind, ReturnReason


@dataclass(frozen=True)
class Eligibility:
    """The policy's decision and the rule that produced it."""

    eligible: bool
    rule: str  # stable code: quality_window, no_reason_window, no_reason_not_offered, ...
    explanation: str
    window_days: int | None = None
    day: int | None = None  # days since delivery (0 = the delivery day)


def is_quality_reason(reason: str) -> bool:
    """Return whether ``reason`` is a fault of the goods (the quality windows apply)."""
    return reason in settings.RETURNS_QUALITY_REASONS


def window_days(*, kind: str, reason: str) -> int:
    """Return the window in days for ``kind`` and ``reason`` (0: not offered)."""
    if not is_quality_reason(reason):
        return max(settings.RETURNS_NO_REASON_DAYS, 0)
    if kind == ReturnKind.EXCHANGE:
        return settings.RETURNS_EXCHANGE_DAYS
    return settings.RETURNS_RETURN_DAYS


def evaluate(*, kind: str, reason: str, delivered_on: date | None, today: date) -> Eligibility:
    """Decide whether a ``kind`` request for ``reason`` made on ``today`` is within the policy."""
    kind_label = str(ReturnKind(kind).label)
    reason_label = str(ReturnReason(reason).label)
    if delivered_on is None:
        return Eligibility(
            False,
            "no_delivery_date",
            _(
                "The delivery date of these goods is not known, so the return window cannot be "
                "checked. A supervisor may approve the request after checking the delivery."
            ),
        )
    day = (today - delivered_on).days
    if day < 0:
        return Eligibility(
            False,
            "not_delivered_yet",
            _("The delivery date %(date)s is after the request date.")
            % {"date": delivered_on.isoformat()},
            day=day,
        )
    days = window_days(kind=kind, reason=reason)
    quality = is_quality_reason(reason)
    if days <= 0:
        return Eligibility(
            False,
            "no_reason_not_offered",
            _(
                "%(kind)s for the reason “%(reason)s” is not offered: only goods with a quality "
                "problem, damaged in transport or not as described are taken back."
            )
            % {"kind": kind_label, "reason": reason_label},
            window_days=0,
            day=day,
        )
    rule = "quality_window" if quality else "no_reason_window"
    last = date.fromordinal(delivered_on.toordinal() + days)
    facts = {
        "kind": kind_label,
        "reason": reason_label,
        "days": days,
        "delivered": delivered_on.isoformat(),
        "last": last.isoformat(),
        "day": day,
    }
    if day <= days:
        return Eligibility(
            True,
            rule,
            _(
                "%(kind)s for “%(reason)s” is accepted within %(days)d days of delivery. "
                "Delivered on %(delivered)s, so the window runs to %(last)s inclusive; the "
                "request was made on day %(day)d."
            )
            % facts,
            window_days=days,
            day=day,
        )
    return Eligibility(
        False,
        rule,
        _(
            "%(kind)s for “%(reason)s” is accepted within %(days)d days of delivery. Delivered "
            "on %(delivered)s, so the window ended on %(last)s; the request was made on day "
            "%(day)d."
        )
        % facts,
        window_days=days,
        day=day,
    )
