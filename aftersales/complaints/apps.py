from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "aftersales.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from aftersales.complaints.views import console_panel, portal_panel
        from aftersales.core.panels import register

        register("console", console_panel)
        register("portal", portal_panel)
