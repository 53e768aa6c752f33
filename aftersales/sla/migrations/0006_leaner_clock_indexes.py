"""Drop the foreign-key indexes no query needs (each costs every clock insert)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0003_calendar_revision"),
        ("sla", "0005_clock_autovacuum"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="slaclock",
            name="calendar",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="calendars.businesscalendar",
                verbose_name="calendar",
            ),
        ),
        migrations.AlterField(
            model_name="slaclock",
            name="policy",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sla.slapolicy",
                verbose_name="policy",
            ),
        ),
        migrations.AlterField(
            model_name="slaclockevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="actor",
            ),
        ),
    ]
