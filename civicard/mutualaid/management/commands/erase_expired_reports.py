from django.core.management.base import BaseCommand

from civicard.mutualaid.tasks import erase_expired_reports


class Command(BaseCommand):
    help = ("Erase closed or unfounded vulnerable-person reports whose last contact is older "
            "than the territory's retention period (default 2 years). Run it daily.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the task for the worker instead of running it now.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = erase_expired_reports.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        erased = erase_expired_reports.call()
        self.stdout.write(f"{erased} report(s) erased")
