from django import template

from aftersales.calendars.selectors import calendars_missing_holiday_data

register = template.Library()


@register.simple_tag
def holiday_data_notices() -> list[dict[str, object]]:
    """Return the holiday-observing calendars that lack data for this year or the next."""
    return calendars_missing_holiday_data()
