"""The steps of a return or exchange: data only, read by the services and the pages."""

from __future__ import annotations

from aftersales.returns.choices import ReturnStep

S = ReturnStep

ALLOWED: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED}),
    # A supervisor may close an approved request whose goods never came.
    S.APPROVED: frozenset({S.RECEIVED, S.REJECTED}),
    S.RECEIVED: frozenset({S.INSPECTED}),
    # After a passed inspection: refund or exchange; after a failed one the supervisor rejects.
    S.INSPECTED: frozenset({S.REFUNDED, S.EXCHANGED, S.REJECTED}),
    S.REJECTED: frozenset(),
    S.REFUNDED: frozenset(),
    S.EXCHANGED: frozenset(),
}

FINAL = frozenset({S.REJECTED, S.REFUNDED, S.EXCHANGED})


def allowed_from(step: str) -> frozenset[str]:
    """Return the steps that may follow ``step``."""
    return ALLOWED.get(step, frozenset())
