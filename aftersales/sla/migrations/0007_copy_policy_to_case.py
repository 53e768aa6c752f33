"""Copy each case's service-level policy and facts from SlaAssignment onto the case row."""

from django.db import migrations


def forward(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    SlaAssignment = apps.get_model("sla", "SlaAssignment")
    batch = []
    for assignment in SlaAssignment.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            Case(
                pk=assignment.case_id,
                sla_policy_id=assignment.policy_id,
                sla_facts=assignment.facts,
            )
        )
        if len(batch) == 2000:
            Case.objects.bulk_update(batch, ["sla_policy", "sla_facts"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["sla_policy", "sla_facts"])


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0006_leaner_clock_indexes"),
        ("cases", "0004_case_sla_policy_and_leaner_indexes"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
