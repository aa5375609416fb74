"""Send the reminders of tomorrow's appointments (run daily, e.g. at 09:00, by cron)."""

from django.core.management.base import BaseCommand

from civicard.core import clock
from civicard.inclusion import operations


class Command(BaseCommand):
    help = "Remind people of their appointment with a digital mediator tomorrow."

    def handle(self, *args, **options):
        sent = operations.send_reminders(at=clock.now())
        self.stdout.write(f"{sent} reminder(s) sent.")
