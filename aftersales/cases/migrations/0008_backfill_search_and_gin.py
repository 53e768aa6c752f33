"""Fill every case's search bigrams and, on PostgreSQL, index them (GIN over the bigram array)."""

from django.db import migrations

from aftersales.core.search import document


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    batch = []
    for case in Case.objects.select_related("customer", "asset", "contact").iterator(
        chunk_size=1000
    ):
        contact = case.contact
        case.search_grams = document(
            [
                case.number,
                case.summary,
                case.description,
                case.customer.name,
                case.asset.serial_number if case.asset_id else "",
                contact.name if contact else "",
                contact.phone if contact else "",
                contact.mobile if contact else "",
            ]
        )
        batch.append(case)
        if len(batch) == 1000:
            Case.objects.bulk_update(batch, ["search_grams"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["search_grams"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS cases_case_search_gin ON cases_case "
            "USING gin (string_to_array(search_grams, ' '))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS cases_case_search_gin")


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_case_search_index_and_status_severity")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
