"""`civicard agenda-tick`: enqueue the agenda's scheduled work for the worker. Run it from cron
or a systemd timer (docs/agenda.md): every 5 minutes with no option (alerts whose quiet hours
or back-off are over), hourly with --feeds, daily with --digest daily (which also expands
repetition rules as the horizon moves on), weekly with
--digest weekly, and on the 1st of the month with --free-entries."""

from django.core.management.base import BaseCommand

from civicard.agenda import feeds as feed_tasks
from civicard.agenda import tasks
from civicard.agenda.models import AlertSettings
from civicard.core import clock


class Command(BaseCommand):
    help = "Enqueue the agenda's scheduled tasks."

    def add_arguments(self, parser):
        parser.add_argument("--feeds", action="store_true", help="read the publishers' feeds")
        parser.add_argument("--digest", choices=[AlertSettings.Rhythm.DAILY,
                                                 AlertSettings.Rhythm.WEEKLY])
        parser.add_argument("--free-entries", action="store_true",
                            help="remind holders that this month's free entries are ready")

    def handle(self, feeds, digest, free_entries, **options):
        tasks.deliver_due.enqueue()
        if feeds:
            feed_tasks.read_feeds.enqueue()
        if digest:
            tasks.send_digests.enqueue(digest)
        if digest == AlertSettings.Rhythm.DAILY:
            feed_tasks.extend_recurrences.enqueue()
        if free_entries:
            month = clock.today().replace(day=1)
            tasks.remind_free_entries.enqueue(month.isoformat())
        self.stdout.write("enqueued")
