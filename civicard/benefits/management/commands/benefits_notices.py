from django.core.management.base import BaseCommand, CommandError

from civicard.benefits import notices
from civicard.core import clock


class Command(BaseCommand):
    help = ("Send the monthly free-entries notices that are due today (run it daily): 3 days "
            "before the month ends, 'they lapse soon'. On the 1st, 'your entries are here' is "
            "the agenda's reminder (civicard agenda-tick --free-entries: one alert, also by "
            "web push, with the venues open this week); --kind available sends this one.")

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["auto", "available", "lapse"], default="auto")

    def handle(self, *args, kind, **options):
        at = clock.now()
        if kind == "auto":
            kind = notices.kind_due(at)
            if kind == "available":
                self.stdout.write("The agenda's reminder announces this month's entries.")
                return
            if kind is None:
                self.stdout.write("No monthly notice is due today.")
                return
        if kind not in ("available", "lapse"):
            raise CommandError("Unknown kind.")
        sent = notices.send_month_notices(kind=kind, at=at)
        self.stdout.write(f"{sent} notices sent ({kind}).")
