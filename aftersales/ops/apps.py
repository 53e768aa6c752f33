from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: health and readiness probes, Prometheus metrics, database-outage answers."""

    name = "aftersales.ops"
    verbose_name = _("Operations")
