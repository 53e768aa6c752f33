from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "aftersales.returns"
    label = "returns"
    verbose_name = _("Returns and exchanges")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.returns.views import console_panel, portal_panel

        register("console", console_panel)
        register("portal", portal_panel)
