"""The uses-per-week chart's summary (DailyUses), recounted from the decisions."""

from django.db import transaction

from civicard.access.models import DailyUses
from civicard.access.queries import recount_daily_uses


def rebuild() -> int:
    """Replace every DailyUses row by a recount of the allowed decisions. Run it while no
    terminal is deciding (install, restore): decisions written during the run may be missed
    (run it again)."""
    counts = recount_daily_uses()
    with transaction.atomic():
        DailyUses.objects.all().delete()
        DailyUses.objects.bulk_create(
            [DailyUses(checkpoint_id=checkpoint, terminal_id=terminal, day=day, allowed=n)
             for (checkpoint, terminal, day), n in sorted(counts.items())], batch_size=2000)
    return len(counts)
