from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "aftersales.inspection"
    label = "inspection"
    verbose_name = _("Acceptance inspection")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.inspection import panels

        register("console", panels.console_panel)
        register("portal", panels.portal_panel)
