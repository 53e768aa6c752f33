"""The webhook signature: HMAC-SHA256 over timestamp and body, within a time window."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from aftersales.channels.signing import SignatureError, sign, verify

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
BODY = b'{"call_id": "c1"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"s3cret", f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", TS, BODY) == f"sha256={expected}"


def _verify(**over):
    args = {
        "secret": "s3cret",
        "timestamp": str(TS),
        "signature": sign("s3cret", TS, BODY),
        "body": BODY,
        "now": NOW,
        "tolerance_seconds": 300,
    }
    args.update(over)
    verify(**args)


def test_a_good_signature_within_the_window_passes():
    _verify()
    _verify(now=datetime.fromtimestamp(TS + 300, tz=UTC))


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"signature": None}, "signature_missing"),
        ({"timestamp": ""}, "signature_missing"),
        ({"timestamp": "yesterday"}, "timestamp_invalid"),
        ({"secret": "other"}, "signature_invalid"),
        ({"body": BODY + b" "}, "signature_invalid"),
        ({"timestamp": str(TS + 1)}, "signature_invalid"),
        ({"now": datetime.fromtimestamp(TS + 301, tz=UTC)}, "timestamp_outside_tolerance"),
        ({"now": datetime.fromtimestamp(TS - 301, tz=UTC)}, "timestamp_outside_tolerance"),
    ],
)
def test_bad_requests_are_refused_with_a_code(over, code):
    with pytest.raises(SignatureError) as err:
        _verify(**over)
    assert err.value.code == code
