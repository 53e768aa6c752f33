"""Create the per-year PostgreSQL sequences that hand out case numbers (2000-2100).

Other databases number cases with the ``CaseNumberSequence`` table and need nothing here. Years
outside the range get their sequence on first use.
"""

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2000, 2100


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS cases_case_number_{year}")


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            cursor.execute(f"DROP SEQUENCE IF EXISTS cases_case_number_{year}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_sequences, drop_sequences)]
