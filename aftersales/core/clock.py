"""The one source of the current time.

Code never calls ``datetime.now()``; it calls :func:`now` so that every timestamp is aware and
so that time can be set: tests freeze it with time-machine, and replays (demo data, imports of
historic records) run services "as of" a past instant with :func:`override`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone

_local = threading.local()


def now() -> datetime:
    """Return the current instant as an aware datetime (UTC unless overridden)."""
    override_at: datetime | None = getattr(_local, "at", None)
    return override_at if override_at is not None else timezone.now()


def today() -> date:
    """Return today's date in the current time zone (Asia/Shanghai by default)."""
    return timezone.localdate(now())


@contextmanager
def override(at: datetime) -> Iterator[None]:
    """Make :func:`now` return ``at`` in this thread while the block runs."""
    if timezone.is_naive(at):
        raise ValueError("clock.override needs an aware datetime")
    previous = getattr(_local, "at", None)
    _local.at = at
    try:
        yield
    finally:
        _local.at = previous
