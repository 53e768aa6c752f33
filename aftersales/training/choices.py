from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseAudience(models.TextChoices):
    STAFF = "staff", _("Staff")
    CUSTOMER = "customer", _("Customers' operators")


class TrainingResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    ATTENDED = "attended", _("Attended")
