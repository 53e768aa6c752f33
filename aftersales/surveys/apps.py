from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "aftersales.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.surveys import panels

        register("console", panels.console_panel)
        register("portal", panels.portal_panel)
