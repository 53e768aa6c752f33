"""SlaAssignment is now two fields of the case (sla_policy, sla_facts)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sla", "0007_copy_policy_to_case")]

    operations = [
        migrations.DeleteModel(
            name="SlaAssignment",
        ),
    ]
