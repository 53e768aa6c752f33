"""Choices of the knowledge base."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleCategory(models.TextChoices):
    POLICY = "policy", _("Policy")
    PROCESS = "process", _("Process")
    FAQ = "faq", _("FAQ")
    SOLUTION = "solution", _("Troubleshooting solution")
    MANUAL = "manual", _("Product manual")


class ArticleAudience(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    CUSTOMER = "customer", _("Customer-visible")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
