"""`civicard bookings-no-shows`: mark the bookings over with nobody let in at their doors."""

from django.core.management.base import BaseCommand

from civicard.bookings import door, operations
from civicard.core import clock


class Command(BaseCommand):
    help = "Mark finished bookings whose door let nobody in as no-shows (run it every hour)."

    def handle(self, *args, **options):
        missed = operations.mark_no_shows(at=clock.now(), entered=door.entered)
        self.stdout.write(f"{missed} no-show(s) marked.")
