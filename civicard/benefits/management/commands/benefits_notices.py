from django.core.management.base import BaseCommand, CommandError

from civicard.benefits import notices
from civicard.core import clock


class Command(BaseCommand):
    help = ("Send the monthly free-entries notices that are due today (run it daily): on the "
            "1st, 'your entries are here'; 3 days before the month ends, 'they lapse soon'.")

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["auto", "available", "lapse"], default="auto")

    def handle(self, *args, kind, **options):
        at = clock.now()
        if kind == "auto":
            kind = notices.kind_due(at)
            if kind is None:
                self.stdout.write("No monthly notice is due today.")
                return
        if kind not in ("available", "lapse"):
            raise CommandError("Unknown kind.")
        sent = notices.send_month_notices(kind=kind, at=at)
        self.stdout.write(f"{sent} notices sent ({kind}).")
