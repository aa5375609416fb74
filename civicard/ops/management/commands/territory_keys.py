from django.core.management.base import BaseCommand

from civicard.ops.territory_keys import markdown, table_keys


class Command(BaseCommand):
    help = ("Print, for every table, the chain of foreign keys that leads to the territory "
            "(the key a distributed PostgreSQL would spread the tables by; docs/scaling.md).")

    def handle(self, *args, **options):
        self.stdout.write(markdown(table_keys()))
