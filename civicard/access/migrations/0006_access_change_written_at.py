"""When each allow-list change was written, by the database's clock, so that a delta can also
re-send the changes written just before the terminal's version (they may have committed after
it). The column's default is evaluated once for the existing rows (no rewrite); its index is
built without locking the table."""

from django.db import migrations, models
from django.db.models.functions import Now

from civicard.core.schema import create_index


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("access", "0005_dailyuses")]

    operations = [
        migrations.AddField(
            model_name="accesschange",
            name="written_at",
            field=models.DateTimeField(db_default=Now(), editable=False),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(
                model_name="accesschange",
                index=models.Index(fields=["written_at"], name="access_change_written"))],
            database_operations=[create_index("access_change_written", "access_accesschange",
                                              "(written_at)")],
        ),
    ]
