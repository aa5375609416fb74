from django.core.management.base import BaseCommand

from civicard.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo territory (idempotent: running it again adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000",
                            help="where the demo will be served (printed in the notes)")

    def handle(self, *args, url, **options):
        ctx = load_demo(url=url)
        self.stdout.write(self.style.SUCCESS(f"Demo territory ready: {ctx.territory}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(label) for label, _email in ctx.logins)
        for label, email in ctx.logins:
            self.stdout.write(f"  {label:<{width}}  {email}")
        for note in ctx.notes:
            self.stdout.write(f"  • {note}")
