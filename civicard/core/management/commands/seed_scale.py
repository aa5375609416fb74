import time

from django.core.management.base import BaseCommand

from civicard.core.scale import CHUNK_HOUSEHOLDS, seed_scale


class Command(BaseCommand):
    help = ("Build a territory of N residents (default 1,000,000) with their households, cards, "
            "wallets, a year of ledger entries and door decisions, for benchmarks (`make bench`)."
            " A second run writes only what is missing.")

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=1_000_000)
        parser.add_argument("--households-per-chunk", type=int, default=CHUNK_HOUSEHOLDS,
                            help="households written in one transaction (for tests)")

    def handle(self, *args, residents, households_per_chunk, **options):
        started = time.perf_counter()
        tty = self.stdout.isatty()

        def progress(done, total, seconds):
            width = 30
            filled = round(width * done / total)
            left = seconds / done * (total - done)
            line = (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} chunks, "
                    f"{seconds:.0f} s, about {left:.0f} s left")
            if tty:
                self.stdout.write(f"\r{line}", ending="" if done < total else "\n")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        counts = seed_scale(residents=residents, per_chunk=households_per_chunk,
                            progress=progress, report=self.stdout.write)
        for label, (n, seconds) in counts.items():
            self.stdout.write(f"  {label}: {n:,} rows, {seconds:.1f} s" if n else
                              f"  {label}: {seconds:.1f} s")
        self.stdout.write(self.style.SUCCESS(
            f"Scale territory ready: {residents:,} residents wanted, "
            f"in {time.perf_counter() - started:.0f} s"))
