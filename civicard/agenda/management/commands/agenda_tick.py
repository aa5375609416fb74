"""`civicard agenda-tick`: enqueue the agenda's scheduled work for the worker. Run it from cron
or a systemd timer (docs/agenda.md): every 5 minutes with no option (alerts whose quiet hours
or back-off are over), hourly with --feeds, daily with --digest daily, weekly with
--digest weekly."""

from django.core.management.base import BaseCommand

from civicard.agenda import tasks
from civicard.agenda.models import AlertSettings


class Command(BaseCommand):
    help = "Enqueue the agenda's scheduled tasks."

    def add_arguments(self, parser):
        parser.add_argument("--feeds", action="store_true", help="read the publishers' feeds")
        parser.add_argument("--digest", choices=[AlertSettings.Rhythm.DAILY,
                                                 AlertSettings.Rhythm.WEEKLY])

    def handle(self, feeds, digest, **options):
        tasks.deliver_due.enqueue()
        if feeds:
            feeds.read_feeds.enqueue()
        if digest:
            tasks.send_digests.enqueue(digest)
        self.stdout.write("enqueued")
