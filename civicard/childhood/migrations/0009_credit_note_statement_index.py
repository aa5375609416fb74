"""The credit notes of a month charged to the wallet, found by their statement: the index is
built without locking the table."""

from django.db import migrations, models

from civicard.core.schema import create_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("childhood", "0008_credit_note_reasons"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(
                model_name="creditnote",
                index=models.Index(condition=models.Q(("statement__isnull", False)),
                                   fields=["statement"], name="credit_note_statement"))],
            database_operations=[create_index(
                "credit_note_statement", "childhood_creditnote",
                "(statement_id) WHERE statement_id IS NOT NULL")],
        ),
    ]
