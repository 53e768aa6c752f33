"""Signatures of inbound webhooks: HMAC-SHA256 over the timestamp and the raw body.

The sender computes ``hex(HMAC-SHA256(secret, f"{timestamp}.".encode() + body))`` and sends

    X-Aftersales-Timestamp: <unix seconds>
    X-Aftersales-Signature: sha256=<hex>

A request is accepted when the signature matches (compared in constant time) and the timestamp is
within the tolerance window of the server's clock: a captured request cannot be replayed later,
and within the window the event id makes a repeat harmless. Pure functions, no database.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.utils.translation import gettext as _

TIMESTAMP_HEADER = "X-Aftersales-Timestamp"
SIGNATURE_HEADER = "X-Aftersales-Signature"
SCHEME = "sha256="


class SignatureError(Exception):
    """The request is not signed, or not by someone who knows the secret (answered 401)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def verify(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int,
) -> None:
    """Check a request's signature and freshness; return nothing when it is good.

    Raises SignatureError with a stable code: ``signature_missing``, ``timestamp_invalid``,
    ``signature_invalid`` or ``timestamp_outside_tolerance``.
    """
    if not timestamp or not signature:
        raise SignatureError(
            _("Sign the request: the %(ts)s and %(sig)s headers are required.")
            % {"ts": TIMESTAMP_HEADER, "sig": SIGNATURE_HEADER},
            "signature_missing",
        )
    timestamp = timestamp.strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError(
            _("%(ts)s must be a Unix time in whole seconds.") % {"ts": TIMESTAMP_HEADER},
            "timestamp_invalid",
        )
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError(
            _("The signature does not match the request body and timestamp."),
            "signature_invalid",
        )
    if abs(now.timestamp() - int(timestamp)) > tolerance_seconds:
        raise SignatureError(
            _(
                "The request's timestamp is more than %(seconds)d seconds away from the server's "
                "clock: refused as a possible replay. Sign each delivery with the current time."
            )
            % {"seconds": tolerance_seconds},
            "timestamp_outside_tolerance",
        )
