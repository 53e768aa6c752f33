from django.db import models
from django.utils.translation import gettext_lazy as _


class ReleaseSeverity(models.TextChoices):
    SECURITY = "security", _("Security fix")
    BUGFIX = "bugfix", _("Bug fix")
    FEATURE = "feature", _("New features")
