from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Connects the signals that keep the per-process SLA configuration cache current.
        from aftersales.sla import config_cache  # noqa: F401
