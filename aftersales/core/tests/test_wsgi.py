"""The WSGI entry point settles the process: URLconf loaded, long-lived objects frozen."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = (
    "import gc, sys; import aftersales.config.wsgi; "
    "print(gc.get_freeze_count(), 'aftersales.config.urls' in sys.modules)"
)


def _probe(**env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "PYTHONWARNINGS": "ignore", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.split()


def test_the_loaded_application_is_frozen_out_of_garbage_collection():
    frozen, urls_loaded = _probe()
    assert int(frozen) > 50_000
    assert urls_loaded == "True"


def test_freezing_can_be_turned_off():
    frozen, _ = _probe(AFTERSALES_GC_FREEZE="false")
    assert int(frozen) == 0
