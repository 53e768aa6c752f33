"""Ship the 24x7, 7x8 and cn-5x8 calendars, with Chinese holidays from chinese-calendar."""

from django.db import migrations


def forward(apps, schema_editor):
    from aftersales.calendars.seed import seed_shipped_calendars

    seed_shipped_calendars(
        apps.get_model("calendars", "BusinessCalendar"),
        apps.get_model("calendars", "WeeklyHours"),
        apps.get_model("calendars", "CalendarDay"),
        apps.get_model("calendars", "CalendarDataYear"),
    )


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
