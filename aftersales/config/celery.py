"""Celery application for production: Redis broker, the same periodic table as the embedded mode.

Start a worker with ``celery -A aftersales.config worker`` and the schedule with
``celery -A aftersales.config beat``.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Return Celery beat's schedule, built from ``AFTERSALES_PERIODIC_TASKS``."""
    from django.conf import settings

    return {
        path: {"task": path, "schedule": float(seconds)}
        for path, seconds in settings.AFTERSALES_PERIODIC_TASKS
    }


@app.on_after_configure.connect
def _schedule(sender: Celery, **kwargs: object) -> None:
    sender.conf.beat_schedule = beat_schedule()
