"""The funders' dashboard summaries (RedemptionDay, the booklets' voucher counts), recounted
from the redemptions and the vouchers."""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from civicard.benefits.models import Booklet, RedemptionDay, Voucher
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
        # the booklets' voucher counts, in one UPDATE (locks the booklets while it runs)
        vouchers = Voucher.objects.filter(booklet=OuterRef("pk")).order_by().values("booklet")
        Booklet.objects.update(
            voucher_count=Coalesce(Subquery(vouchers.annotate(n=Count("pk")).values("n"),
                                            output_field=IntegerField()), 0),
            vouchers_used=Coalesce(Subquery(vouchers.annotate(n=Count("pk", filter=Q(
                used_at__isnull=False))).values("n"), output_field=IntegerField()), 0))
    return len(counts)
