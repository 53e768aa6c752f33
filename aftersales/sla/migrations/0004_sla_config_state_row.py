"""Create the single SlaConfigState row."""

import uuid

from django.db import migrations


def forward(apps, schema_editor):
    apps.get_model("sla", "SlaConfigState").objects.get_or_create(
        pk=1, defaults={"revision": uuid.uuid4()}
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_sla_config_state")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
