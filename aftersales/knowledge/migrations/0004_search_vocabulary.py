"""SQLite: the FTS5 vocabulary of the search bigrams (how many articles have each one), so a
search knows cheaply whether a term's postings are huge. PostgreSQL keeps the same figures in
the statistics ANALYZE collects for the GIN-indexed bigram arrays."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts_vocab "
            "USING fts5vocab(knowledge_article_fts, row)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS knowledge_article_fts_vocab")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_search_rank_and_title_tokens")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
