"""schemathesis against our own OpenAPI schema, in-process.

The schema is the one ``/api/schema/`` serves (drf-spectacular, generated here without a request).
Every operation is called through the real WSGI application — middleware, authentication,
exception handler and all — inside the test's database transaction, with data that fits the
schema (positive) and data that does not (negative). Each response must not be a server error,
must have a documented status code and content type, and must match the documented body and
headers. Operations with a path parameter are also called with the key of a real object (taken
from the collection's own list), so the fuzzing reaches past "404 not found".

The CI test (``test_api_fuzz.py``) runs a bounded number of examples per operation with a fixed
seed; ``make fuzz`` runs many more with a fresh seed (``FUZZ_EXAMPLES``, ``FUZZ_SEED``).
"""

from __future__ import annotations

import functools
import json
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# A fixed seed in CI (the same examples each run); `make fuzz` passes a fresh one.
SEED = int(os.environ.get("FUZZ_SEED", "20261126"))


@functools.cache
def raw_schema() -> dict[str, Any]:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def load_schema() -> Any:
    schema = schemathesis.openapi.from_dict(raw_schema())
    schema.app = WSGIHandler()
    return schema


def operations() -> list[Any]:
    ops = [result.ok() for result in load_schema().get_all_operations()]
    return sorted(ops, key=lambda op: (op.path, op.method))


@contextmanager
def in_test_transaction() -> Iterator[None]:
    """Let the WSGI handler run inside the test's transaction, as Django's test client does:
    the handler would otherwise close the connection at the start and end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def real_path_values(headers: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each collection, the keys of a real object: ``{"/api/v1/cases/": {"number": ...}}``.

    Read from the collection's own list endpoint, so the values are ones the user may see.
    """
    client = Client(HTTP_AUTHORIZATION=headers["Authorization"])
    values: dict[str, dict[str, str]] = {}
    for path in raw_schema()["paths"]:
        if "{" not in path:
            continue
        collection, rest = path.split("{", 1)
        if collection in values:
            continue
        response = client.get(collection)
        found: dict[str, str] = {}
        if response.status_code == 200:
            body = response.json()
            rows = body.get("results", []) if isinstance(body, dict) else body
            if rows and isinstance(rows[0], dict):
                for key, value in rows[0].items():
                    if isinstance(value, str | int) and not isinstance(value, bool):
                        found[key] = str(value)
        values[collection] = found
    return values


@dataclass
class Failure:
    label: str
    mode: str
    message: str


@dataclass
class Outcome:
    operations: int = 0
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)


def fuzz_operation(
    operation: Any,
    *,
    headers: dict[str, str],
    real_values: dict[str, dict[str, str]],
    examples: int = EXAMPLES,
    seed: int = SEED,
    outcome: Outcome,
) -> None:
    """Call one operation with generated data, positive then negative; record any failure."""
    path_names = [p.name for p in operation.path_parameters]
    real: dict[str, str] = {}
    if path_names:
        collection = operation.path.split("{", 1)[0]
        known = real_values.get(collection, {})
        first = path_names[0]
        if first in known:
            real = {first: known[first]}
    outcome.operations += 1
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies = [operation.as_strategy(generation_mode=mode)]
        if real and mode is GenerationMode.POSITIVE:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))
        strategy = st.one_of(strategies)

        @hypothesis.given(case=strategy)
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=False,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
            report_multiple_bugs=False,
        )
        @hypothesis.seed(seed)
        def run(case: Any) -> None:
            with transaction.atomic():
                response = case.call(headers=headers)
                outcome.calls += 1
                outcome.statuses[response.status_code] = (
                    outcome.statuses.get(response.status_code, 0) + 1
                )
                # A refused request must change nothing; keep the world the same for the rest.
                if response.status_code >= 400:
                    transaction.set_rollback(True)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            continue
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported, then the test fails
            message = "".join(traceback.format_exception_only(exc)).strip()
            outcome.failures.append(Failure(operation.label, mode.value, message[:4000]))
