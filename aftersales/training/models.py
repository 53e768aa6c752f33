"""Training (培训): courses, staff training records, customer training sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.training.choices import CourseAudience, TrainingResult


class Course(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    audience = models.CharField(_("audience"), max_length=10, choices=CourseAudience.choices)
    product_line = models.CharField(
        _("product line"),
        max_length=40,
        blank=True,
        help_text=_("A product category (e.g. network): passing qualifies engineers for it."),
    )
    certificate_months = models.PositiveSmallIntegerField(
        _("certificate valid (months)"), null=True, blank=True, help_text=_("Empty: no expiry.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StaffTraining(models.Model):
    """A member of staff's training record: course, date, trainer, result, certificate."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainee"),
        on_delete=models.CASCADE,
        related_name="trainings",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="records"
    )
    held_on = models.DateField(_("date"))
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=TrainingResult.choices)
    certificate_expires_on = models.DateField(_("certificate expires on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("staff training")
        verbose_name_plural = _("staff training")
        ordering = ["user", "-held_on"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_id} {self.held_on}"


class CustomerTrainingSession(models.Model):
    """A training session for a customer's operators."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="training_sessions",
    )
    held_on = models.DateField(_("date"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    materials = models.FileField(
        _("materials"), upload_to="training/%Y/%m/", blank=True, max_length=300
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("customer training session")
        verbose_name_plural = _("customer training sessions")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.course_id} @ {self.customer_id} {self.held_on}"


class Attendee(models.Model):
    session = models.ForeignKey(
        CustomerTrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendees",
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    result = models.CharField(
        _("result"), max_length=10, choices=TrainingResult.choices, default=TrainingResult.ATTENDED
    )

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["session", "name"]

    def __str__(self) -> str:
        return self.name
