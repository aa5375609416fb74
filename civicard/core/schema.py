"""Migration operations for tables that are already big: an index built without locking them."""

from django.db import migrations


def create_index(name: str, table: str, definition: str, *, unique: bool = False,
                 postgresql_only: bool = False) -> migrations.RunPython:
    """Build the index `name` on `table` (`definition`: what follows the table name, e.g.
    "(month, person_id) WHERE event_id IS NULL" or "USING gin (name gin_trgm_ops)") while
    writes go on: CONCURRENTLY on PostgreSQL, so the migration must say `atomic = False`."""
    kind = "UNIQUE INDEX" if unique else "INDEX"

    def forwards(apps, schema_editor):
        postgresql = schema_editor.connection.vendor == "postgresql"
        if postgresql or not postgresql_only:
            concurrently = " CONCURRENTLY" if postgresql else ""
            schema_editor.execute(
                f"CREATE {kind}{concurrently} IF NOT EXISTS {name} ON {table} {definition}")

    def backwards(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards)
