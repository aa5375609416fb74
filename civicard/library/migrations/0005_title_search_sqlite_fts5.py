"""On SQLite, catalogue search becomes full-text too: an FTS5 table indexing the titles'
normalised search text (an external-content table: it keeps only the index, the text stays in
library_title), kept by triggers, and filled for the titles already there. Read through the
unmanaged model TitleSearch (`queries.matching_fts5`). The text is normalised in Python already
(core.text.searchable: letters and digits between single spaces), so the tokenizer only splits
on spaces and removes no accents; prefix indexes of 1 to 3 characters serve short words typed.
On PostgreSQL this migration writes nothing (the GIN index of 0004 does the same job).

A later migration that rebuilds library_title on SQLite (Django does, for most AlterField)
drops these triggers with the old table: run `create_sqlite_search_index` again after it;
tests/library/test_search.py fails if the index misses a title."""

import django.db.models.deletion
from django.db import migrations, models

import civicard.core.lookups

SQLITE_SEARCH_INDEX = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS library_title_fts USING fts5(search_text, "
    "content='library_title', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='1 2 3')",
    "CREATE TRIGGER IF NOT EXISTS library_title_fts_insert AFTER INSERT ON library_title BEGIN "
    "INSERT INTO library_title_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS library_title_fts_delete AFTER DELETE ON library_title BEGIN "
    "INSERT INTO library_title_fts (library_title_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS library_title_fts_update AFTER UPDATE OF search_text "
    "ON library_title BEGIN "
    "INSERT INTO library_title_fts (library_title_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO library_title_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO library_title_fts (library_title_fts) VALUES ('rebuild')",
]


def create_sqlite_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_SEARCH_INDEX:
            schema_editor.execute(statement)


def drop_sqlite_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for trigger in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS library_title_fts_{trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS library_title_fts")


class Migration(migrations.Migration):

    dependencies = [
        ('library', '0004_title_full_text_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='TitleSearch',
            fields=[
                ('title', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_index', serialize=False, to='library.title')),
                ('search_text', civicard.core.lookups.FullTextColumn()),
            ],
            options={
                'db_table': 'library_title_fts',
                'default_permissions': (),
                'managed': False,
            },
        ),
        migrations.RunPython(create_sqlite_search_index, drop_sqlite_search_index),
    ]
