from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "aftersales.parts"
    label = "parts"
    verbose_name = _("Spare parts")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.parts import panels

        register("console", panels.console_panel)
        register("portal", panels.portal_panel)
