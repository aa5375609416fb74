"""The counter search's normalised name: filled for everyone already registered and, on
PostgreSQL, indexed by trigrams (built without locking the table) so that `contains` (LIKE '%word%') and the typo-tolerant
similarity both use the index at a million people."""

from django.db import migrations, models

from civicard.core.text import searchable


def fill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    batch = []
    for person in Person.objects.only("pk", "full_name").iterator(chunk_size=2000):
        person.search_name = searchable(person.full_name)
        batch.append(person)
        if len(batch) == 2000:
            Person.objects.bulk_update(batch, ["search_name"])
            batch = []
    Person.objects.bulk_update(batch, ["search_name"])


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS people_person_search_name_trgm "
            "ON people_person USING gin (search_name gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS people_person_search_name_trgm")


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently: registrations go on meanwhile
    dependencies = [("people", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="person", name="search_name",
            field=models.CharField(default="", db_default="", editable=False, max_length=200)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index, drop_index),
    ]
