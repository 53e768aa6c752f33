"""Users and teams.

A user has one role (``UserRole``). A customer contact belongs to exactly one customer
organisation and sees only that organisation's data; every other role is staff.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import STAFF_ROLES, TeamAssignment, UserRole
from aftersales.core.models import TimeStampedModel
from aftersales.core.validators import validate_timezone


class User(AbstractUser):
    """A person who signs in: staff of the service organisation or a customer's contact."""

    role = models.CharField(
        _("role"), max_length=20, choices=UserRole.choices, default=UserRole.AGENT
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for, and only for, customer contacts."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_extension = models.CharField(
        _("phone extension"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9A-Za-z_.-]+$",
                _("Use digits, letters, dots, dashes and underscores only."),
            )
        ],
        help_text=_(
            "The extension on the call-center system (CTI): incoming calls to it pop up on this "
            "person's console."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser's language."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Empty: the server's zone (Asia/Shanghai by default)."),
    )

    is_available = models.BooleanField(
        _("on duty"),
        default=True,
        help_text=_("Off: on leave or away; teams do not auto-assign cases to this person."),
    )
    is_service_director = models.BooleanField(
        _("service director"),
        default=False,
        help_text=_("Receives the top rungs of escalation ladders."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="accounts_user_customer_iff_contact",
                condition=(
                    models.Q(role=UserRole.CUSTOMER_CONTACT, customer__isnull=False)
                    | (~models.Q(role=UserRole.CUSTOMER_CONTACT) & models.Q(customer__isnull=True))
                ),
                violation_error_message=_(
                    "A customer is required for, and only for, customer contacts."
                ),
            ),
            models.UniqueConstraint(
                fields=["phone_extension"],
                condition=~models.Q(phone_extension=""),
                name="accounts_user_unique_phone_extension",
                violation_error_message=_("Another user already has this phone extension."),
            ),
        ]

    @property
    def is_customer_contact(self) -> bool:
        return self.role == UserRole.CUSTOMER_CONTACT

    @property
    def is_service_staff(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Team(TimeStampedModel):
    """A group of staff that shares a queue (e.g. the East China field team)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), blank=True, related_name="teams"
    )
    region = models.ForeignKey(
        "customers.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
    )
    assignment = models.CharField(
        _("auto-assignment"),
        max_length=20,
        choices=TeamAssignment.choices,
        default=TeamAssignment.MANUAL,
        help_text=_("How a case given to the team without an assignee finds one."),
    )
    last_assigned = models.ForeignKey(
        User,
        verbose_name=_("last auto-assigned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
