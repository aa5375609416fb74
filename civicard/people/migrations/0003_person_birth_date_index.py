"""The counter finds people by date of birth (civicard/cards/queries.py): at a million people
that read every row without an index. Built without locking the table."""

from django.db import migrations, models

from civicard.core.schema import create_index


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("people", "0002_person_search_name")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(
                model_name="person",
                index=models.Index(fields=["birth_date"], name="people_person_birth_date"))],
            database_operations=[create_index("people_person_birth_date", "people_person",
                                              "(birth_date)")],
        ),
    ]
