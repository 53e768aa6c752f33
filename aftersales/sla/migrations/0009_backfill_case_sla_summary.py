"""Fill each case's nearest due time and service-level state from its clocks."""

from django.db import migrations


def summarize(clocks):
    live = [c for c in clocks if c.met_at is None and c.cancelled_at is None]
    if not live:
        return None, "none"
    running = [c for c in live if not c.is_paused]
    due = min((c.due_at for c in running if c.due_at is not None), default=None)
    if any(c.breached_at is not None for c in live):
        return due, "breached"
    if not running:
        return None, "paused"
    if any(c.warned_at is not None for c in running):
        return due, "warning"
    return due, "running"


def forward(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    SlaClock = apps.get_model("sla", "SlaClock")
    by_case = {}
    for clock in SlaClock.objects.filter(met_at__isnull=True, cancelled_at__isnull=True).iterator(
        chunk_size=5000
    ):
        by_case.setdefault(clock.case_id, []).append(clock)
    batch = []
    for case_id, clocks in by_case.items():
        due, state = summarize(clocks)
        batch.append(Case(pk=case_id, sla_due_at=due, sla_state=state))
        if len(batch) == 2000:
            Case.objects.bulk_update(batch, ["sla_due_at", "sla_state"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["sla_due_at", "sla_state"])


class Migration(migrations.Migration):
    dependencies = [("sla", "0008_delete_slaassignment"), ("cases", "0005_case_sla_summary")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
