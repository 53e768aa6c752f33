"""Vacuum and analyse the clock table early (PostgreSQL).

Every sweep rewrites the clocks it touches; the superseded index entries of the partial
``next_event_at`` index fall below "now" and would be read by every later sweep until vacuum
removes them. A 1 % threshold keeps that debris small on a table of millions of clocks.
"""

from django.db import migrations

TABLE = "sla_slaclock"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {TABLE} SET (autovacuum_vacuum_scale_factor = 0.01, "
            "autovacuum_analyze_scale_factor = 0.02)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {TABLE} RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_sla_config_state_row")]

    operations = [migrations.RunPython(forward, backward)]
