"""On PostgreSQL, a trigram index on the street as the counter search compares it
(`icontains`: UPPER(street) LIKE UPPER('%…%')), built without locking the table."""

from django.db import migrations


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS territory_address_street_trgm "
            "ON territory_address USING gin (UPPER(street) gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS territory_address_street_trgm")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("territory", "0003_territory_country")]

    operations = [migrations.RunPython(index, drop_index)]
