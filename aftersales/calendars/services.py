"""Business calendars: create and change them, import and export their holidays.

Every change bumps the calendar's ``version`` so that cached engine specs in every process are
rebuilt on their next use.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, ensure_capability
from aftersales.audit.services import audit_record
from aftersales.calendars.choices import CalendarDayKind
from aftersales.calendars.engine import CalendarSpec
from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay, WeeklyHours
from aftersales.calendars.selectors import forget_cached_spec
from aftersales.core import clock
from aftersales.core.errors import ValidationFailed
from aftersales.core.services import model_create, model_update
from aftersales.core.uploads import CALENDAR_EXTENSIONS, check_bytes

CALENDAR_FIELDS = ("name", "timezone", "observes_holidays", "description")
IMPORT_MAX_BYTES = 2 * 1024 * 1024


def calendar_touch(calendar: BusinessCalendar) -> None:
    """Record that ``calendar`` changed: new version, revision and ``updated_at``, so that every
    process rebuilds its spec on next use."""
    BusinessCalendar.objects.filter(pk=calendar.pk).update(
        version=F("version") + 1, revision=uuid.uuid4(), updated_at=clock.now()
    )
    calendar.refresh_from_db(fields=["version", "revision", "updated_at"])
    transaction.on_commit(lambda: forget_cached_spec(calendar.code))


def _check_spec(
    *,
    code: str,
    timezone: str,
    weekly: Iterable[tuple[int, int, int]],
    holidays: Iterable[date],
    workdays: Iterable[date],
) -> None:
    """Validate the whole calendar with the engine's own rules (overlaps, order, zone)."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in weekly:
        by_day.setdefault(weekday, []).append((start * 60, end * 60))
    try:
        CalendarSpec.build(
            code,
            timezone,
            {d: sorted(v) for d, v in by_day.items()},
            holidays=holidays,
            workdays=workdays,
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="weekly") from exc


def _replace_weekly(calendar: BusinessCalendar, weekly: list[tuple[int, int, int]]) -> None:
    WeeklyHours.objects.filter(calendar=calendar).delete()
    rows = [
        WeeklyHours(calendar=calendar, weekday=d, start_minute=s, end_minute=e)
        for d, s, e in weekly
    ]
    for row in rows:
        row.full_clean(exclude=["calendar"])
    WeeklyHours.objects.bulk_create(rows)


def _replace_days(calendar: BusinessCalendar, kind: str, days: list[tuple[date, str]]) -> None:
    CalendarDay.objects.filter(calendar=calendar, kind=kind).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar=calendar, date=d, kind=kind, name=name) for d, name in days],
        batch_size=500,
    )


def _check_no_overlap(holidays: list[tuple[date, str]], workdays: list[tuple[date, str]]) -> None:
    for field, days in (("holidays", holidays), ("workdays", workdays)):
        dates = [d for d, _n in days]
        repeated = sorted({d for d in dates if dates.count(d) > 1})
        if repeated:
            raise ValidationFailed(
                _("These dates are listed more than once: %(dates)s.")
                % {"dates": ", ".join(d.isoformat() for d in repeated)},
                field=field,
            )
    both = {d for d, _n in holidays} & {d for d, _n in workdays}
    if both:
        raise ValidationFailed(
            _("A date cannot be both a holiday and a make-up working day: %(dates)s.")
            % {"dates": ", ".join(sorted(d.isoformat() for d in both))},
            field="workdays",
        )


@transaction.atomic
def calendar_create(
    *,
    by: User | None,
    code: str,
    name: str,
    timezone: str = "Asia/Shanghai",
    observes_holidays: bool = False,
    description: str = "",
    weekly: list[tuple[int, int, int]] | None = None,
    holidays: list[tuple[date, str]] | None = None,
    workdays: list[tuple[date, str]] | None = None,
    data_years: list[int] | None = None,
) -> BusinessCalendar:
    """Create a calendar with its weekly hours (weekday, start minute, end minute) and days.

    Raises NotAllowed, ValidationFailed (overlapping hours, a date both off and on, bad zone).
    """
    if by is not None:
        ensure_capability(by, Capability.MANAGE_CONFIG)
    weekly, holidays, workdays = weekly or [], holidays or [], workdays or []
    _check_no_overlap(holidays, workdays)
    calendar = model_create(
        BusinessCalendar,
        code=code,
        name=name,
        timezone=timezone,
        observes_holidays=observes_holidays,
        description=description,
    )
    _check_spec(
        code=code,
        timezone=timezone,
        weekly=weekly,
        holidays=[d for d, _n in holidays],
        workdays=[d for d, _n in workdays],
    )
    _replace_weekly(calendar, weekly)
    _replace_days(calendar, CalendarDayKind.HOLIDAY, holidays)
    _replace_days(calendar, CalendarDayKind.WORKDAY, workdays)
    if data_years:
        CalendarDataYear.objects.bulk_create(
            [
                CalendarDataYear(calendar=calendar, year=y, source="api")
                for y in sorted(set(data_years))
            ]
        )
    return calendar


@transaction.atomic
def calendar_update(
    *, by: User, calendar: BusinessCalendar, data: dict[str, Any]
) -> BusinessCalendar:
    """Change a calendar; ``weekly``, ``holidays``, ``workdays`` and ``data_years`` given in
    ``data`` replace the current ones wholesale.

    Raises NotAllowed, ValidationFailed.
    """
    ensure_capability(by, Capability.MANAGE_CONFIG)
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    model_update(instance=calendar, fields=CALENDAR_FIELDS, data=data)
    current_days = list(
        CalendarDay.objects.filter(calendar=calendar).values_list("date", "name", "kind")
    )
    holidays = data.get(
        "holidays", [(d, n) for d, n, k in current_days if k == CalendarDayKind.HOLIDAY]
    )
    workdays = data.get(
        "workdays", [(d, n) for d, n, k in current_days if k == CalendarDayKind.WORKDAY]
    )
    weekly = data.get(
        "weekly",
        list(
            WeeklyHours.objects.filter(calendar=calendar).values_list(
                "weekday", "start_minute", "end_minute"
            )
        ),
    )
    _check_no_overlap(holidays, workdays)
    _check_spec(
        code=calendar.code,
        timezone=calendar.timezone,
        weekly=weekly,
        holidays=[d for d, _n in holidays],
        workdays=[d for d, _n in workdays],
    )
    if "weekly" in data:
        _replace_weekly(calendar, weekly)
    if "holidays" in data or "workdays" in data:
        # Both kinds go before either is written, so a date can switch kind in one change.
        kinds = [
            kind
            for kind, key in (
                (CalendarDayKind.HOLIDAY, "holidays"),
                (CalendarDayKind.WORKDAY, "workdays"),
            )
            if key in data
        ]
        CalendarDay.objects.filter(calendar=calendar, kind__in=kinds).delete()
        if "holidays" in data:
            _replace_days(calendar, CalendarDayKind.HOLIDAY, holidays)
        if "workdays" in data:
            _replace_days(calendar, CalendarDayKind.WORKDAY, workdays)
    if "data_years" in data:
        CalendarDataYear.objects.filter(calendar=calendar).exclude(
            year__in=data["data_years"]
        ).delete()
        have = set(
            CalendarDataYear.objects.filter(calendar=calendar).values_list("year", flat=True)
        )
        CalendarDataYear.objects.bulk_create(
            [
                CalendarDataYear(calendar=calendar, year=y, source="api")
                for y in sorted(set(data["data_years"]) - have)
            ]
        )
    calendar_touch(calendar)
    return calendar


# --- import and export --------------------------------------------------------------------------

CSV_HEADER = ["date", "kind", "name"]


def calendar_export_csv(*, calendar: BusinessCalendar) -> str:
    """Return the calendar's holidays and make-up days as CSV (``date,kind,name``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for day in CalendarDay.objects.filter(calendar=calendar).order_by("date"):
        writer.writerow([day.date.isoformat(), day.kind, day.name])
    return out.getvalue()


def calendar_export_ical(*, calendar: BusinessCalendar) -> bytes:
    """Return the calendar's holidays and make-up days as an iCalendar file (all-day events)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//aftersales//business calendars//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar.name)
    cal.add("x-wr-timezone", calendar.timezone)
    for day in CalendarDay.objects.filter(calendar=calendar).order_by("date"):
        event = icalendar.Event()
        event.add("uid", f"{calendar.code}-{day.date.isoformat()}@aftersales")
        event.add("dtstart", day.date)
        event.add("summary", day.name or day.get_kind_display())
        event.add("categories", [day.kind.upper()])
        event.add("transp", "TRANSPARENT" if day.kind == CalendarDayKind.WORKDAY else "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()


def _parse_csv(content: str) -> list[tuple[date, str, str]]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    if reader.fieldnames is None or not {"date", "kind"} <= set(reader.fieldnames):
        raise ValidationFailed(
            _("The CSV file needs the columns date and kind (name is optional)."), field="file"
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            raise ValidationFailed(
                _("Line %(line)d: “%(value)s” is not a date (YYYY-MM-DD).")
                % {"line": line, "value": row.get("date")},
                field="file",
            ) from None
        kind = (row.get("kind") or "").strip()
        if kind not in CalendarDayKind.values:
            raise ValidationFailed(
                _("Line %(line)d: the kind must be holiday or workday.") % {"line": line},
                field="file",
            )
        rows.append((day, kind, (row.get("name") or "").strip()[:100]))
    return rows


def _parse_ical(content: bytes) -> list[tuple[date, str, str]]:
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(content)
    except ValueError:
        raise ValidationFailed(_("The file is not a valid iCalendar file."), field="file") from None
    rows = []
    for event in cal.walk("VEVENT"):
        try:
            start = event.decoded("dtstart", None)
        except (ValueError, TypeError):
            start = "invalid"
        if start is None:
            continue
        if isinstance(start, datetime):
            day = start.date()
        elif isinstance(start, date):
            day = start
        else:
            raise ValidationFailed(
                _("An event has a start that is not a date: %(value)s.")
                % {"value": str(start)[:40]},
                field="file",
            )
        categories = event.get("categories")
        cats = set()
        if categories is not None:
            for entry in categories if isinstance(categories, list) else [categories]:
                cats |= {str(c).lower() for c in entry.cats}
        kind = CalendarDayKind.WORKDAY if "workday" in cats else CalendarDayKind.HOLIDAY
        rows.append((day, kind, str(event.get("summary", ""))[:100]))
    return rows


@transaction.atomic
def calendar_import(
    *, by: User, calendar: BusinessCalendar, content: bytes, filename: str = ""
) -> dict[str, Any]:
    """Import holidays and make-up days from CSV or iCalendar; the file decides per date.

    Every year present in the file is then marked as having complete holiday data. Returns the
    counts. Raises NotAllowed, ValidationFailed (nothing is written on any error).
    """
    ensure_capability(by, Capability.MANAGE_CONFIG)
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    is_ical = filename.lower().endswith((".ics", ".ical")) or content.lstrip().startswith(
        b"BEGIN:VCALENDAR"
    )
    if content:  # by its bytes: text, not a program or a web page under a calendar's name
        check_bytes(
            content,
            name=filename or ("calendar.ics" if is_ical else "calendar.csv"),
            field="file",
            accept=CALENDAR_EXTENSIONS,
            max_bytes=IMPORT_MAX_BYTES,
        )
    if is_ical:
        rows = _parse_ical(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(_("The CSV file must be UTF-8 encoded."), field="file") from None
        rows = _parse_csv(text)
    if not rows:
        raise ValidationFailed(_("The file holds no days."), field="file")
    seen: dict[date, str] = {}
    for day, kind, _name in rows:
        if seen.get(day, kind) != kind:
            raise ValidationFailed(
                _("%(date)s is listed both as a holiday and as a make-up day.")
                % {"date": day.isoformat()},
                field="file",
            )
        seen[day] = kind
    names = {d: n for d, _k, n in rows}  # a repeated line counts once (its last name wins)
    CalendarDay.objects.filter(calendar=calendar, date__in=list(seen)).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(calendar=calendar, date=d, kind=k, name=names[d])
            for d, k in sorted(seen.items())
        ],
        batch_size=500,
    )
    years = sorted({d.year for d in seen})
    have = set(CalendarDataYear.objects.filter(calendar=calendar).values_list("year", flat=True))
    CalendarDataYear.objects.bulk_create(
        [
            CalendarDataYear(calendar=calendar, year=y, source="import")
            for y in years
            if y not in have
        ]
    )
    calendar_touch(calendar)
    # Bulk writes send no model signals: the import is recorded in the audit trail here.
    listed = ", ".join(f"{d.isoformat()} {k}" for d, k in sorted(seen.items()))
    audit_record(action="import", obj=calendar, changes={"days": [None, listed]})
    return {"days": len(seen), "years": years}
