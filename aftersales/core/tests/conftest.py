"""Fixtures of the core tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

BENCH_CASE_CREATE = Path(__file__).resolve().parents[3] / "bench" / "bench_case_create.py"


@pytest.fixture(scope="module")
def bench() -> Any:
    """bench/bench_case_create.py as a module (the benchmark's load generators are tested)."""
    spec = importlib.util.spec_from_file_location("bench_case_create", BENCH_CASE_CREATE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
