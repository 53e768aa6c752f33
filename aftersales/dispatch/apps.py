from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "aftersales.dispatch"
    label = "dispatch"
    verbose_name = _("Field service")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.dispatch import panels

        register("console", panels.console_panel)
        register("portal", panels.portal_panel)
