"""Business calendars: a zone, weekly working hours, holidays and make-up working days (调休).

Holidays are data, not code: the shipped ``cn-5x8`` calendar is seeded from the chinese-calendar
library for the years it knows, every day is editable, and ``CalendarDataYear`` records which
years hold complete holiday data so that a computation crossing any other year warns instead of
silently treating it as a plain week.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.calendars.choices import CalendarDayKind, Weekday
from aftersales.core.models import TimeStampedModel
from aftersales.core.validators import validate_timezone
from aftersales.customers.models import code_validator

DAY_MINUTES = 24 * 60


class BusinessCalendar(TimeStampedModel):
    """A business calendar that SLA clocks and depots count working time on."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    observes_holidays = models.BooleanField(
        _("observes holidays"),
        default=False,
        help_text=_(
            "Holidays and make-up days apply; computations warn about years without holiday data."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Increases with every change.")
    )
    # A fresh token per change: cached specs are keyed on it, so a change that was rolled back
    # (whose version number a later change reuses) can never be served from a cache.
    revision = models.UUIDField(_("revision"), default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class WeeklyHours(models.Model):
    """One working interval of a weekday, in local minutes (end 1440 = midnight)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="weekly",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_minute = models.PositiveSmallIntegerField(
        _("start (minutes after midnight)"), validators=[MaxValueValidator(DAY_MINUTES - 1)]
    )
    end_minute = models.PositiveSmallIntegerField(
        _("end (minutes after midnight)"), validators=[MaxValueValidator(DAY_MINUTES)]
    )

    class Meta:
        verbose_name = _("weekly working hours")
        verbose_name_plural = _("weekly working hours")
        ordering = ["calendar", "weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(
                name="calendars_weeklyhours_end_after_start",
                condition=models.Q(end_minute__gt=models.F("start_minute")),
                violation_error_message=_("The end must be after the start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_minute}-{self.end_minute}"

    def clean(self) -> None:
        if (
            self.end_minute is not None
            and self.start_minute is not None
            and self.end_minute <= self.start_minute
        ):
            raise ValidationError({"end_minute": _("The end must be after the start.")})


class CalendarDay(models.Model):
    """A holiday (a date off) or a make-up working day (a date on) of a calendar."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendars_day_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarDataYear(models.Model):
    """A year for which a calendar's holidays and make-up days are complete."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="data_years",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("year with holiday data")
        verbose_name_plural = _("years with holiday data")
        ordering = ["calendar", "year"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="calendars_datayear_unique")
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id} {self.year}"
