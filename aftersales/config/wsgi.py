"""WSGI entry point (gunicorn aftersales.config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")

application = get_wsgi_application()


def _settle() -> None:
    """Load what the first request would (every URL pattern and the views behind them), then
    move everything loaded so far out of the garbage collector's reach (``gc.freeze``).

    A loaded Django project is ~150,000 objects that live as long as the process; left in the
    collector's oldest generation, every full collection walks all of them, which cost a case
    creation ~0.3 ms on average (bench/bench_case_create.py). Frozen, collections only look at
    what requests make. Nothing is lost: frozen objects are never freed anyway.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    gc.collect()
    gc.freeze()


if os.environ.get("AFTERSALES_GC_FREEZE", "true").lower() not in ("0", "false", "no"):
    _settle()
