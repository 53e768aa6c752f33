"""Celery application for production: Redis broker, the same periodic table as the embedded mode.

Start a worker with ``celery -A aftersales.config worker`` and the schedule with
``celery -A aftersales.config beat``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _schedule(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    for path, seconds in settings.AFTERSALES_PERIODIC_TASKS:
        sender.add_periodic_task(float(seconds), sender.signature(path), name=path)
