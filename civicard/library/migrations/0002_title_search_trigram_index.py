"""On PostgreSQL, a trigram index on the normalised search text, so that the catalogue's
`contains` filters (LIKE '%word%') use an index instead of reading every title. The query
stays the same ORM filter on both databases; docs/benchmarks.md has the figures."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS library_title_search_trgm "
            "ON library_title USING gin (search_text gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_title_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
