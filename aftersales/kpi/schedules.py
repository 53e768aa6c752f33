"""Send scheduled reports once per period: PDF (summary) and Excel (summary and scorecards)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales.core import clock
from aftersales.kpi import measures, scorecards
from aftersales.kpi.models import ReportSchedule


def last_complete_period(frequency: str, today: date) -> measures.Period:
    """The last full week (Monday–Sunday) or calendar month before ``today``."""
    if frequency == ReportSchedule.Frequency.WEEKLY:
        this_monday = today - timedelta(days=today.weekday())
        return measures.Period(this_monday - timedelta(days=7), this_monday - timedelta(days=1))
    first_this_month = today.replace(day=1)
    last = first_this_month - timedelta(days=1)
    return measures.Period(last.replace(day=1), last)


def report_files(
    *, schedule: ReportSchedule, period: measures.Period
) -> list[tuple[str, bytes, str]]:
    """Return the attachments: the summary as PDF, and an Excel book with the summary's
    figures and every engineer's scorecard."""
    from openpyxl import Workbook
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    slices = {"region": schedule.region.code} if schedule.region_id else {}
    summary = measures.summary(period=period, slices=slices)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "kpi/report_pdf.html", {"schedule": schedule, "period": period, "summary": summary}
        )
    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    for key in (
        "cases",
        "resolved",
        "resolution_rate",
        "first_contact_resolution_rate",
        "reopenings",
        "reopen_rate",
        "complaints_per_100_cases",
    ):
        sheet.append([key, summary[key]])
    for target, row in summary["sla"]["targets"].items():
        sheet.append([f"sla.{target}.compliance", row["compliance"]])
    sheet.append(["satisfaction.average", summary["satisfaction"]["average"]])
    parts = measures.parts_summary(period=period, slices=slices)
    sheet.append(["part_returns.compliance", parts["part_returns"]["compliance"]])
    sheet.append(["exchange_repairs.on_time_rate", parts["exchange_repairs"]["on_time_rate"]])
    sheet.append(["part_consumption.total", parts["consumption"]["total"]])
    cards = book.create_sheet("scorecards")
    cards.append([label for _key, label in scorecards.EXPORT_COLUMNS])
    from aftersales.accounts.choices import UserRole
    from aftersales.accounts.models import User

    engineers = User.objects.filter(role=UserRole.ENGINEER, is_active=True).order_by("username")
    if schedule.region_id:
        engineers = engineers.filter(engineer_profile__home_region=schedule.region)
    for row in scorecards.export_rows(
        [scorecards.scorecard(engineer=e, period=period) for e in engineers]
    ):
        cards.append(row)
    out = io.BytesIO()
    book.save(out)
    name = f"{period.first}-{period.last}"
    return [
        (f"kpi-{name}.pdf", pdf, "application/pdf"),
        (
            f"kpi-{name}.xlsx",
            out.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ]


def schedules_send_due(*, now: datetime | None = None) -> int:
    """Send every active schedule whose last complete period was not sent yet; return how many.

    The schedule row is locked and its period recorded in the same transaction as the send, so
    two workers never send one period twice.
    """
    now = now or clock.now()
    today = timezone.localdate(now)
    sent = 0
    for pk in list(ReportSchedule.objects.filter(is_active=True).values_list("pk", flat=True)):
        with transaction.atomic():
            schedule = (
                ReportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("region")
                .filter(pk=pk)
                .first()
            )
            if schedule is None or not schedule.recipient_list:
                continue
            period = last_complete_period(schedule.frequency, today)
            if schedule.last_period_start == period.first:
                continue
            message = EmailMessage(
                subject=f"{schedule.name} {period.first} – {period.last}",
                body=f"{schedule.name}: {period.first} – {period.last}",
                from_email=getattr(settings, "NOTIFICATIONS_FROM_EMAIL", None)
                or settings.DEFAULT_FROM_EMAIL,
                to=schedule.recipient_list,
            )
            for filename, content, mimetype in report_files(schedule=schedule, period=period):
                message.attach(filename, content, mimetype)
            message.send()
            schedule.last_period_start, schedule.last_sent_at = period.first, now
            schedule.save(update_fields=["last_period_start", "last_sent_at"])
            sent += 1
    return sent
