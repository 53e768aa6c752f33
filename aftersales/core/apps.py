from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the OpenAPI extensions for our authentication classes.
        # Every model timestamp a client may write through a ModelSerializer is bounded.
        from django.db import models
        from rest_framework import serializers

        from aftersales.core import schema  # noqa: F401
        from aftersales.core.api import BoundedDateTimeField

        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = (
            BoundedDateTimeField
        )
        _cache_long_statements()


def _cache_long_statements() -> None:
    """Let psycopg keep its parse of long statements too.

    With client-side binding (Django's default), psycopg splits every statement at its
    placeholders before quoting the parameters in, and remembers the split only for statements
    under 4 KB with at most 50 parameters. The multi-statement inserts of case creation
    (core.batch.insert_together: ~5 KB, ~130 parameters, the same text for the same shape) were
    split anew on every request, ~11 % of a create's Python instructions (bench_case_create).
    The cache keeps at most 128 statements either way.
    """
    try:
        from psycopg import _queries
    except ImportError:  # no psycopg (SQLite only)
        return
    if hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH"):
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 65536)
    if hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 1000)
