"""Migrations are checked for operations that would lock a big table or break the running
version during an upgrade (django-migration-linter, on PostgreSQL's SQL): an index on an existing
table is built CONCURRENTLY, a NOT NULL column comes with a database default, nothing is renamed
or dropped in the release that stops using it."""

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django_migration_linter import MigrationLinter
from django_migration_linter.sql_analyser import PostgresqlAnalyser

from civicard.access.models import Decision

pytestmark = pytest.mark.django_db

# Written before this check existed; each ran when its table was young. Never add to this list:
# write the migration the safe way instead (docs/operator-guide.md, "Upgrades").
CHECKED_BY_HAND = [
    "0002_ledger_indexes",  # wallets: ledger indexes replaced, a unique key (2026-11)
    "0003_feed_indexes",  # mutualaid: the feed's index rebuilt (2026-11)
    "0003_ledger_label_codes",  # wallets: ledger lines as codes, with their data (2026-12)
    "0004_message_language",  # mutualaid: messages keep their language, with their data (2026-12)
]


def test_no_migration_locks_a_big_table_or_breaks_the_running_version(postgres_only, capsys):
    apps = [app.rsplit(".", 1)[-1] for app in settings.DOMAIN_APPS]
    linter = MigrationLinter(
        include_apps=apps,
        ignore_name=CHECKED_BY_HAND, ignore_initial_migrations=True, no_cache=True,
        all_warnings_as_errors=True, analyser_string="postgresql")
    linter.lint_all_migrations()
    report = capsys.readouterr().out
    assert (linter.nb_erroneous, linter.nb_warnings) == (0, 0), report
    later = [name for (app, name), migration in MigrationLoader(connection).disk_migrations.items()
             if app in apps and not migration.initial and name not in CHECKED_BY_HAND]
    assert linter.nb_valid == len(later) >= 4


def findings(sql: list[str]) -> list[str]:
    analyser = PostgresqlAnalyser(exclude_migration_tests=None)
    analyser.analyse(sql)
    return sorted(issue.code for issue in analyser.errors + analyser.warnings)


def migration_sql(operation) -> list[str]:
    """What `sqlmigrate` would print for one operation on access.Decision, an existing table."""
    state = ProjectState.from_apps(django_apps)
    new_state = state.clone()
    operation.state_forwards("access", new_state)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        operation.database_forwards("access", editor, state, new_state)
    return ["BEGIN;", *editor.collected_sql, "COMMIT;"]


def test_the_check_catches_an_index_built_under_lock(postgres_only):
    index = models.Index(fields=["via", "at"], name="decision_via_at")
    assert "CREATE_INDEX" in findings(migration_sql(migrations.AddIndex("decision", index)))
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        concurrently = str(index.create_sql(Decision, editor, concurrently=True))
    assert findings([concurrently + ";"]) == []  # AddIndexConcurrently, atomic = False
    assert "NOT_NULL" in findings(migration_sql(migrations.AddField(
        "decision", "channel", models.CharField(max_length=5, default="x"))))
