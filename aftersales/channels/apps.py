from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "aftersales.channels"
    label = "channels"
    verbose_name = _("Phone, SMS and chat")

    def ready(self) -> None:
        from aftersales.channels import signals  # noqa: F401 (connects the receivers)
