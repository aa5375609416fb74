"""The funders' dashboard summary (RedemptionDay), recounted from the redemptions."""

from django.db import transaction

from civicard.benefits.models import RedemptionDay
from civicard.benefits.queries import recount_redemption_days


def rebuild() -> int:
    """Replace every RedemptionDay row by a recount of the live redemptions and their
    statement lines. Run it while no venue redeems (install, restore), or run it again."""
    counts = recount_redemption_days()
    with transaction.atomic():
        RedemptionDay.objects.all().delete()
        RedemptionDay.objects.bulk_create(
            [RedemptionDay(programme_id=programme, venue_id=venue, kind=kind, day=day, count=n,
                           cents=cents, settled_cents=settled)
             for (programme, venue, kind, day), (n, cents, settled) in sorted(counts.items())],
            batch_size=2000)
    return len(counts)
