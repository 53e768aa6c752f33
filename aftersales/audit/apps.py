from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from aftersales.audit import recording

        recording.connect()
