"""Settings of aftersales for bench/bench_console.py: the product's own, production-like
(DEBUG off, WhiteNoise with the manifest storage), with STATIC_ROOT in the benchmark's temporary
directory, where it runs `collectstatic` once per run. Without collected files the console's
templates fail under DEBUG off (no manifest entry for `{% static %}`), and the product's
STATIC_ROOT (the repository's staticfiles/) is not the benchmark's to write.

Benchmark only; never used by the product.
"""

from __future__ import annotations

import os

from aftersales.config.settings import *  # noqa: F403 -- the product's settings, unchanged

STATIC_ROOT = os.environ["CONSOLE_BENCH_STATIC_ROOT"]
