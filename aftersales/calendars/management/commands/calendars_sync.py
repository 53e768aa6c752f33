from django.core.management.base import BaseCommand
from django.db import transaction

from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay, WeeklyHours
from aftersales.calendars.seed import seed_shipped_calendars, sync_china_holidays
from aftersales.calendars.services import calendar_touch


class Command(BaseCommand):
    help = (
        "Create any missing shipped calendar (24x7, 7x8, cn-5x8) and add to cn-5x8 the Chinese "
        "holidays and make-up days of every year the installed chinese-calendar library knows and "
        "the calendar lacks. Days an administrator entered are never overwritten."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        with transaction.atomic():
            seed_shipped_calendars(
                BusinessCalendar, WeeklyHours, CalendarDay, CalendarDataYear, sync=False
            )
            for calendar in BusinessCalendar.objects.filter(code="cn-5x8"):
                added = sync_china_holidays(calendar, CalendarDay, CalendarDataYear)
                if added:
                    calendar_touch(calendar)
                self.stdout.write(f"{calendar.code}: added years {added or 'none'}")
