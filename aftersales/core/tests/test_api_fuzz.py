"""schemathesis against the OpenAPI schema: every endpoint and method, positive and negative
data, as an administrator and as a customer contact; zero server errors and zero responses that
the schema does not describe (see ``api_fuzz``). ``make fuzz`` is the longer run."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

import pytest

from aftersales.accounts.models import User, UserRole
from aftersales.accounts.services import token_get_or_create
from aftersales.core.tests.api_fuzz import (
    EXAMPLES,
    SEED,
    Outcome,
    fuzz_operation,
    in_test_transaction,
    operations,
    raw_schema,
    real_path_values,
)
from aftersales.demo.data import demo_load

SHARDS = 8


def _shard(label: str) -> int:
    return zlib.crc32(label.encode()) % SHARDS


@pytest.fixture(autouse=True)
def _configured(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The signed webhooks are configured, so unsigned calls are refused (401), not 503.
    settings.CHANNELS_CTI_SECRET = "fuzz-cti-secret"  # noqa: S105
    settings.CHANNELS_SMS_SECRET = "fuzz-sms-secret"  # noqa: S105


def test_every_operation_is_in_a_shard() -> None:
    labels = [op.label for op in operations()]
    assert len(labels) == len(set(labels)) > 150
    assert {_shard(label) for label in labels} == set(range(SHARDS))
    paths = raw_schema()["paths"]
    assert sum(len([m for m in item if m != "parameters"]) for item in paths.values()) == len(
        labels
    )


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "customer"])
@pytest.mark.parametrize("shard", range(SHARDS))
def test_api_fuzz(shard: int, role: str) -> None:
    demo_load(case_count=12)
    if role == "admin":
        user = User.objects.get(username="admin")
    else:
        user = (
            User.objects.filter(role=UserRole.CUSTOMER_CONTACT, is_active=True)
            .order_by("username")
            .first()
        )
    assert user is not None
    headers = {"Authorization": f"Token {token_get_or_create(user=user)}", "Accept-Language": "en"}
    outcome = Outcome()
    # Django's test client reconnects the handler that closes connections after each request,
    # so the real keys are read before the signals are disconnected for schemathesis's calls.
    real = real_path_values(headers)
    with in_test_transaction():
        for operation in operations():
            if _shard(operation.label) != shard:
                continue
            if role == "customer" and operation.method.upper() not in ("GET", "POST"):
                continue
            fuzz_operation(
                operation,
                headers=headers,
                real_values=real,
                examples=EXAMPLES if role == "admin" else max(2, EXAMPLES // 3),
                seed=SEED + shard,
                outcome=outcome,
            )
    assert outcome.calls > 0
    if report_dir := os.environ.get("FUZZ_REPORT_DIR"):
        Path(report_dir, f"{role}-{shard}.json").write_text(
            json.dumps(
                {
                    "role": role,
                    "shard": shard,
                    "operations": outcome.operations,
                    "calls": outcome.calls,
                    "statuses": outcome.statuses,
                    "failures": len(outcome.failures),
                }
            )
        )
    report = "\n\n".join(f"{f.label} [{f.mode}]\n{f.message}" for f in outcome.failures)
    assert not outcome.failures, (
        f"{len(outcome.failures)} operations failed (FUZZ_SEED={SEED}, "
        f"FUZZ_EXAMPLES={EXAMPLES}):\n\n{report}"
    )
