import time

from django.core.management.base import BaseCommand

from civicard.core.demo import load_demo

PEOPLE_PER_HOUSEHOLD = 2.66  # the demo's mix of household sizes


class Command(BaseCommand):
    help = ("Build the demo territory at a town's or a region's size: N residents with their "
            "cards, wallets, door decisions and the rest, for benchmarks (`make bench`).")

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=1_000_000)

    def handle(self, *args, residents, **options):
        started = time.perf_counter()
        ctx = load_demo(households=max(1, round(residents / PEOPLE_PER_HOUSEHOLD)),
                        progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"Scale territory ready: {ctx.territory}, in {time.perf_counter() - started:.0f} s"))
