from django.core.management.base import BaseCommand

from civicard.childhood import operations
from civicard.core import clock


class Command(BaseCommand):
    help = ("Erase the files attached to children's enrolments (vaccination records, "
            "certificates…) whose retention period is over. Daily.")

    def handle(self, *args, **options):
        now = clock.now()
        erased = operations.erase_documents(on=operations.local_day(now), at=now)
        self.stdout.write(f"{erased} document(s) erased.")
