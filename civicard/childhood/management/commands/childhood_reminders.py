"""`civicard childhood_reminders`: tell guardians of the booking deadlines of the next two days,
each once. Run it daily (civicard-daily.timer); with --enqueue the task worker sends them."""

from django.core.management.base import BaseCommand

from civicard.childhood import reminders, tasks
from civicard.core import clock


class Command(BaseCommand):
    help = "Remind guardians of the booking deadlines of the next two days."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="leave the work to the task worker")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = tasks.send_deadline_reminders.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        sent = reminders.send_deadline_reminders(at=clock.now())
        self.stdout.write(f"{sent} reminder(s) sent.")
