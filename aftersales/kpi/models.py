"""Scheduled reports: the KPI summary, the scorecards and the support report, e-mailed weekly or
monthly as PDF and Excel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSchedule(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly (the last Monday–Sunday)")
        MONTHLY = "monthly", _("Monthly (the last calendar month)")

    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    recipients = models.TextField(_("recipients"), help_text=_("E-mail addresses, one per line."))
    region = models.ForeignKey(
        "customers.Region",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every region."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_period_start = models.DateField(_("last period sent"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


# --- Daily rollups (see aftersales/kpi/rollups.py) ----------------------------------------------

#: The SLA targets that get their own rollup columns (``<target>_<measure>``).
ROLLUP_TARGETS = ("response", "onsite", "confirm", "restore", "follow_up", "remedy")
#: Per target: clocks (not cancelled), finished (met or breached), on time (met, never breached),
#: breached, met, and the working seconds of the met ones.
ROLLUP_TARGET_MEASURES = ("clocks", "finished", "on_time", "breached", "met", "met_seconds")
#: The additive per-case measures (each case contributes 0 or 1, or a count).
ROLLUP_CASE_MEASURES = (
    "cases",
    "resolved",
    "reopenings",
    "complaints",
    "first_contact_resolved",
    "breached_cases",
    "escalations",
    "ratings",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "surveys_sent",
    "surveys_answered",
)
ROLLUP_MEASURES = ROLLUP_CASE_MEASURES + tuple(
    f"{target}_{measure}" for target in ROLLUP_TARGETS for measure in ROLLUP_TARGET_MEASURES
)


class DailyCaseRollup(models.Model):
    """Additive sums of the cases reported on one local day, per combination of the slicing
    dimensions (customer, unit, team, assignee, severity, type, channel).

    Region and product are not stored: they are read through the customer and the unit when
    the rollup is queried, so moving a customer to another region never leaves a stale row.
    Derived data, rebuilt by ``kpi.rollups``; the foreign keys carry no database constraint.
    """

    day = models.DateField(_("day"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    asset = models.ForeignKey(
        "catalog.Asset",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    severity = models.CharField(max_length=3)
    case_type = models.CharField(max_length=20)
    channel = models.CharField(max_length=10)

    class Meta:
        verbose_name = _("daily KPI rollup")
        verbose_name_plural = _("daily KPI rollups")
        indexes = [
            models.Index(fields=["day"], name="kpi_rollup_day_idx"),
            models.Index(fields=["assignee", "day"], name="kpi_rollup_assignee_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.customer_id} {self.severity} {self.case_type}"


for _name in ROLLUP_MEASURES:
    DailyCaseRollup.add_to_class(
        _name,
        models.BigIntegerField(default=0)
        if _name.endswith("_seconds")
        else models.PositiveIntegerField(default=0),
    )


class DailyMetClock(models.Model):
    """The working seconds of one met SLA clock (not cancelled, working time recorded), by the
    local day of report of its case: what the median working time per target is read from.

    The median is not additive, so ``DailyCaseRollup`` cannot hold it; these rows let it be
    read from an index range of the period's days (``kpi.rollups.medians``) instead of from
    the clocks of every case of the period. Built and rebuilt with the rollups, for the same
    days. Slices are read through the case at query time.
    """

    day = models.DateField(_("day"))
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    target = models.CharField(max_length=12)
    seconds = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("met SLA clock of a day")
        verbose_name_plural = _("met SLA clocks of a day")
        indexes = [
            # Covers the unsliced median: an index-only range scan of the period's days.
            models.Index(fields=["day", "target", "seconds"], name="kpi_metclock_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.case_id} {self.target} {self.seconds}"


class RollupState(models.Model):
    """The one row that says which days the rollups cover and how far the change logs were read.

    Days from ``covered_from`` (empty: from the beginning) to ``covered_until`` are covered,
    except the days of cases changed since ``marks``: for each change log (by table), the
    largest id read by the run *before* the last one, so each run reads again what the last
    one read (a change committed late, after a run, is never missed).
    """

    zone = models.CharField(max_length=64)
    covered_from = models.DateField(null=True, blank=True)
    covered_until = models.DateField(null=True, blank=True)
    marks = models.JSONField(default=dict)
    last_marks = models.JSONField(default=dict)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_days = models.PositiveIntegerField(default=0)
    last_run_seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("KPI rollup state")
        verbose_name_plural = _("KPI rollup state")

    def __str__(self) -> str:
        return f"{self.covered_from or '…'} – {self.covered_until or '…'}"
