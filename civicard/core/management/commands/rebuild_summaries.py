from django.core.management.base import BaseCommand

from civicard.core.tallies import rebuild_all


class Command(BaseCommand):
    help = ("Recount the dashboards' summary tables from the events (decisions, redemptions, "
            "accompaniments): after an upgrade that adds them, or a restore. Run it while the "
            "events are not being written, or run it again.")

    def handle(self, *args, **options):
        rebuild_all(progress=self.stdout.write)
