from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from aftersales.calendars.models import BusinessCalendar, CalendarDataYear, CalendarDay, WeeklyHours
from aftersales.calendars.services import calendar_touch


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class CalendarDataYearInline(admin.TabularInline):
    model = CalendarDataYear
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "timezone",
        "observes_holidays",
        "data_years_display",
        "version",
    )
    search_fields = ("code", "name")
    readonly_fields = ("version",)
    inlines = [WeeklyHoursInline, CalendarDataYearInline]

    @admin.display(description=_("years with holiday data"))
    def data_years_display(self, obj: BusinessCalendar) -> str:
        years = sorted(obj.data_years.values_list("year", flat=True))
        return f"{years[0]}–{years[-1]}" if years else "—"

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        calendar_touch(form.instance)
        if form.instance.observes_holidays and not form.instance.data_years.exists():
            messages.warning(request, _("This calendar has no year with holiday data yet."))


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("calendar", "date", "kind", "name")
    list_filter = ("calendar", "kind")
    search_fields = ("name", "date")
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        calendar_touch(obj.calendar)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        calendar = obj.calendar
        super().delete_model(request, obj)
        calendar_touch(calendar)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        calendars = list(BusinessCalendar.objects.filter(days__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for calendar in calendars:
            calendar_touch(calendar)
