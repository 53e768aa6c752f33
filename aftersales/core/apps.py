from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the OpenAPI extensions for our authentication classes.
        from aftersales.core import schema  # noqa: F401
