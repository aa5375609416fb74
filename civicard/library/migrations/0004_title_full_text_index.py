"""On PostgreSQL, catalogue search becomes full-text: a GIN index on the tsvector of the
normalised search text (accents already removed in Python, see core.text.searchable, so the
'simple' configuration only has to split words). The expression is the one `queries.search`
builds with SearchVector("search_text", config="simple"), so the planner uses the index. It
replaces the trigram index of 0002, which LIKE '%word%' needed; docs/benchmarks.md has why."""

from django.db import migrations

FULL_TEXT_INDEX = (
    "CREATE INDEX IF NOT EXISTS library_title_search_fts ON library_title "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_title_search_trgm")
        schema_editor.execute(FULL_TEXT_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_title_search_fts")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS library_title_search_trgm "
            "ON library_title USING gin (search_text gin_trgm_ops)")


class Migration(migrations.Migration):
    dependencies = [("library", "0003_transit")]

    operations = [migrations.RunPython(forwards, backwards)]
