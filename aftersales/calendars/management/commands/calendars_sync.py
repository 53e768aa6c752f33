from django.core.management.base import BaseCommand
from django.db import transaction

from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay
from aftersales.calendars.seed import seed_shipped_calendars, sync_china_holidays
from aftersales.calendars.services import calendar_touch


class Command(BaseCommand):
    help = (
        "Create missing shipped calendars and add Chinese holiday data for years that a "
        "holiday-observing calendar lacks (from the installed chinese-calendar library)."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from aftersales.calendars.models import WeeklyHours

        with transaction.atomic():
            seed_shipped_calendars(BusinessCalendar, WeeklyHours, CalendarDay, CalendarDataYear)
            for calendar in BusinessCalendar.objects.filter(code="cn-5x8"):
                added = sync_china_holidays(calendar, CalendarDay, CalendarDataYear)
                if added:
                    calendar_touch(calendar)
                self.stdout.write(f"{calendar.code}: added years {added or 'none'}")
