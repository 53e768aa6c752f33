"""Fast search for very common terms: an index in rank order, and title-hit tokens.

``knowledge_art_rank`` lets a search walk the articles in the order it ranks them (solved
cases, rating total, newest). The search document gains the title's bigrams marked with a
leading ``t`` (title-hit postings); existing articles are re-indexed here (the FTS5 triggers on
SQLite and the GIN index on PostgreSQL follow the column).
"""

from django.db import migrations, models

from aftersales.core.search import bigrams, document


def reindex(apps, schema_editor):
    Article = apps.get_model("knowledge", "Article")
    batch = []
    for article in Article.objects.only("id", "title", "body", "solution").iterator(chunk_size=500):
        grams = document([article.title, article.body, article.solution], limit=20000)
        titles = sorted("t" + gram for gram in bigrams(article.title))
        article.search_grams = " ".join([grams, *titles]).strip()
        batch.append(article)
        if len(batch) == 500:
            Article.objects.bulk_update(batch, ["search_grams"])
            batch = []
    if batch:
        Article.objects.bulk_update(batch, ["search_grams"])


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["-solved_count", "-rating_sum", "-updated_at", "-id"],
                name="knowledge_art_rank",
            ),
        ),
        migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True),
    ]
