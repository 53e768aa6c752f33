"""Signatures of outbound webhooks: HMAC-SHA256 over the timestamp and the raw body.

Each POST carries

    X-Aftersales-Timestamp: <unix seconds>
    X-Aftersales-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.".encode() + body)>
    X-Aftersales-Event: <event kind>
    X-Aftersales-Delivery: <delivery id, the same on every retry>

(the same contract as the inbound CTI/SMS webhooks). A receiver recomputes the HMAC over the
exact bytes it received, compares in constant time, rejects old timestamps, and may drop a
repeat of a delivery id it has already processed.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Aftersales-Signature"
TIMESTAMP_HEADER = "X-Aftersales-Timestamp"
DELIVERY_HEADER = "X-Aftersales-Delivery"
EVENT_HEADER = "X-Aftersales-Event"
SCHEME = "sha256="


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Return the signature header value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def verify(secret: str, timestamp: int | str, body: bytes, header: str) -> bool:
    """Return whether ``header`` is the signature of ``body`` sent at ``timestamp``."""
    return hmac.compare_digest(sign(secret, timestamp, body), header or "")
