"""`civicard library-reminders`: due-date, overdue and membership reminders, and holds not
collected in time passed to the next in line. Run it every hour (cron or a timer)."""

from django.core.management.base import BaseCommand

from civicard.core import clock
from civicard.library import operations


class Command(BaseCommand):
    help = "Send library reminders and release holds not collected in time."

    def handle(self, *args, **options):
        at = clock.now()
        expired = operations.expire_pickups(at=at)
        sent = operations.send_reminders(at=at)
        self.stdout.write(f"{expired} holds released, {sent} reminders sent")
