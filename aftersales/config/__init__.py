"""Project configuration. Importing the Celery app here lets ``shared_task`` bind to it."""

from aftersales.config.celery import app as celery_app

__all__ = ["celery_app"]
