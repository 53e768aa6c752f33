"""Index the articles' search bigrams: a GIN index on PostgreSQL, an FTS5 table on SQLite.

On SQLite each bigram is one FTS5 token (``unicode61`` keeps runs of letters/digits/CJK whole),
so "all of the query's bigrams" is an FTS5 ``AND`` query; triggers keep the table in step with
``knowledge_article.search_grams`` (bulk inserts included).
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts USING fts5("
    "grams, tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ai AFTER INSERT ON knowledge_article "
    "BEGIN INSERT INTO knowledge_article_fts(rowid, grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_au AFTER UPDATE OF search_grams "
    "ON knowledge_article BEGIN DELETE FROM knowledge_article_fts WHERE rowid = old.id; "
    "INSERT INTO knowledge_article_fts(rowid, grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_article_fts_ad AFTER DELETE ON knowledge_article "
    "BEGIN DELETE FROM knowledge_article_fts WHERE rowid = old.id; END",
    "INSERT INTO knowledge_article_fts(rowid, grams) SELECT id, search_grams FROM knowledge_article",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ai",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_au",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_ad",
    "DROP TABLE IF EXISTS knowledge_article_fts",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin ON knowledge_article "
            "USING gin (string_to_array(search_grams, ' '))"
        )
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_article_search_gin")
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
