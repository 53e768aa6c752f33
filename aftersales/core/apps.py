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
