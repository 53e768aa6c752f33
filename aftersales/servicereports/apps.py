from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceReportsConfig(AppConfig):
    name = "aftersales.servicereports"
    label = "servicereports"
    verbose_name = _("Service reports")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.servicereports import panels

        register("console", panels.console_panel)
        register("portal", panels.portal_panel)
