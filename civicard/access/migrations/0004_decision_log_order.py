"""The live log's order (newest recorded first) as an index, so that each page of it reads only
its rows; built without locking the decisions."""

from django.db import migrations, models

from civicard.core.schema import create_index


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("access", "0003_decision_right_reference")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(
                model_name="decision",
                index=models.Index(fields=["recorded_at", "id"], name="decision_log_order"))],
            database_operations=[create_index("decision_log_order", "access_decision",
                                              "(recorded_at, id)")],
        ),
    ]
