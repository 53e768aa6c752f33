"""Data migrations of the sla app, run forward on historical models."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("sla", "0006_leaner_clock_indexes"),
    ("cases", "0004_case_sla_policy_and_leaner_indexes"),
]
AFTER = [("sla", "0007_copy_policy_to_case")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_policy_and_facts_are_copied_from_the_assignment_to_the_case():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    region = apps.get_model("customers", "Region").objects.create(code="r", name="r")
    customer = apps.get_model("customers", "Customer").objects.create(
        code="c", name="c", region=region
    )
    case = apps.get_model("cases", "Case").objects.create(
        number="SR-2026-999999",
        case_type="fault",
        channel="phone",
        severity="C-1",
        customer=customer,
        summary="s",
        reported_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    policy = apps.get_model("sla", "SlaPolicy").objects.get(code="fault")
    apps.get_model("sla", "SlaAssignment").objects.create(
        case_id=case.pk,
        policy=policy,
        facts={"matched": ["case_type"]},
        decided_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    moved = apps.get_model("cases", "Case").objects.get(pk=case.pk)
    assert (moved.sla_policy_id, moved.sla_facts) == (policy.pk, {"matched": ["case_type"]})
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
