from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "aftersales.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from aftersales.core.panels import register
        from aftersales.knowledge import panels

        register("console", panels.console_panel)
