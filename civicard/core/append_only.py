"""Append-only tables: the model refuses updates and deletes, and so does the database itself.

Use `AppendOnlyModel` as a base and add `append_only_trigger("<table>")` to the model's migration
(again after a migration that alters the table: SQLite rebuilds it without its triggers; the
operation is idempotent).
"""

from contextlib import contextmanager

from django.db import migrations, models

from civicard.core.errors import DomainError


class AppendOnlyViolation(DomainError):
    code = "append_only"
    http_status = 409


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyViolation()

    def delete(self):
        raise AppendOnlyViolation()


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation()


def _create_trigger(table: str):
    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION civicard_refuse_change() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'append-only table %', TG_TABLE_NAME; END; "
                "$$ LANGUAGE plpgsql",
                None,
            )
            schema_editor.execute(
                f'CREATE OR REPLACE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE '
                f'ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION civicard_refuse_change()"
            )
        elif vendor == "sqlite":
            for event in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{table}_append_only_{event.lower()}" '
                    f'BEFORE {event} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}'); END"
                )

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        elif vendor == "sqlite":
            for event in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only_{event}"')

    return forwards, backwards


def append_only_trigger(table: str) -> migrations.RunPython:
    forwards, backwards = _create_trigger(table)
    return migrations.RunPython(forwards, backwards)


@contextmanager
def changes_allowed(schema_editor, table: str):
    """For a data migration that rewrites rows of an append-only table (a change of how rows are
    stored, never of what they record): the guard is lifted inside the migration and put back."""
    forwards, backwards = _create_trigger(table)
    backwards(None, schema_editor)
    yield
    forwards(None, schema_editor)
