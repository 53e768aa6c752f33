from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarrantyConfig(AppConfig):
    name = "aftersales.warranty"
    label = "warranty"
    verbose_name = _("Warranty claims and quotes")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.warranty import panels

        register("console", panels.console_panel)
        register("portal", panels.portal_panel)
