"""On PostgreSQL, a trigram index on the street as the counter search compares it
(`icontains`: UPPER(street) LIKE UPPER('%…%')), built without locking the table."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from civicard.core.schema import create_index


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("territory", "0003_territory_country")]

    operations = [
        TrigramExtension(),
        create_index("territory_address_street_trgm", "territory_address",
                     "USING gin (UPPER(street) gin_trgm_ops)", postgresql_only=True),
    ]
