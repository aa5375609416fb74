import sys

from django.core.management.base import BaseCommand

from civicard.childhood.queries import check_billing


class Command(BaseCommand):
    help = ("Prove that each closed month billed every attendance once at its tariff, and that "
            "statements equal their lines and their wallet charges; exit 1 on any difference.")

    def handle(self, *args, **options):
        problems = check_billing()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            self.stderr.write(self.style.ERROR(f"{len(problems)} difference(s)."))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(
            "Billing consistent: every billed attendance is charged once at its tariff."))
