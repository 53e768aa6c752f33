"""In-process scheduler for the embedded mode: periodic tasks without a broker.

In production Celery beat runs the same task functions (``config/celery.py`` reads the same
``AFTERSALES_PERIODIC_TASKS`` table). Here one daemon thread calls each task every ``seconds``;
a task that raises is logged and tried again at its next turn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class PeriodicTask:
    name: str
    func: Callable[[], object]
    seconds: float
    next_run: float = 0.0


def periodic_tasks() -> list[PeriodicTask]:
    """Return the configured periodic tasks (dotted path, interval in seconds)."""
    return [
        PeriodicTask(name=path, func=import_string(path), seconds=float(seconds))
        for path, seconds in settings.AFTERSALES_PERIODIC_TASKS
    ]


def run_due(tasks: list[PeriodicTask], *, now: float, manage_connections: bool = True) -> list[str]:
    """Run every task whose turn has come; return the names that ran.

    Between tasks, stale database connections are dropped as a request cycle would do.
    """
    ran = []
    for task in tasks:
        if now < task.next_run:
            continue
        task.next_run = now + task.seconds
        if manage_connections:
            close_old_connections()
        try:
            task.func()
        except Exception:
            logger.exception("periodic task %s failed", task.name)
        finally:
            if manage_connections:
                close_old_connections()
        ran.append(task.name)
    return ran


def start_in_background(*, tick: float = 1.0) -> threading.Thread:
    """Start the scheduler thread (a daemon: it ends with the server)."""
    tasks = periodic_tasks()

    def loop() -> None:
        while True:
            run_due(tasks, now=time.monotonic())
            time.sleep(tick)

    thread = threading.Thread(target=loop, name="aftersales-scheduler", daemon=True)
    thread.start()
    logger.info("in-process scheduler started with %d periodic task(s)", len(tasks))
    return thread
