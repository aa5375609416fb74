"""The funders' dashboard reads RedemptionDay: it equals a full recount of the redemptions
after any mix of redeeming, undoing and settling, and stays exact when venues race."""

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef

from civicard.benefits import operations, queries
from civicard.benefits.models import Booklet, BookletStatus, RedemptionDay, Venue, Voucher
from civicard.core.errors import DomainError
from civicard.people.models import Person, User
from tests.races import race

from .conftest import AT, accredit, handed_out_booklet


def _stored():
    return {(r.programme_id, r.venue_id, r.kind, r.day): (r.count, r.cents, r.settled_cents)
            for r in RedemptionDay.objects.all()
            if (r.count, r.cents, r.settled_cents) != (0, 0, 0)}


def _booklets():
    return {b.pk: (b.voucher_count, b.vouchers_used) for b in Booklet.objects.all()}


def _recounted_funnel(booklets) -> dict:
    """The funnel as it was counted before the booklets kept their voucher counts."""
    started = Exists(Voucher.objects.filter(booklet=OuterRef("pk"), used_at__isnull=False))
    unused = Exists(Voucher.objects.filter(booklet=OuterRef("pk"), used_at__isnull=True))
    handed = booklets.exclude(status=BookletStatus.CREATED)
    return {"created": booklets.count(), "handed_out": handed.count(),
            "started": handed.filter(started).count(),
            "fully_used": handed.filter(started).exclude(unused).count(),
            "cancelled": booklets.filter(status=BookletStatus.CANCELLED).count()}


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_equals_a_full_recount_after_a_random_mix(seed, pass_programme,
                                                          entries_programme, ccas, make_venue,
                                                          venue_user, funder_user):
    rng = random.Random(seed)
    entries_programme.entries_per_month, entries_programme.per_venue_cap = 50, None
    entries_programme.save()
    venues = [make_venue(f"Venue {n}") for n in range(3)]
    staff = {}
    for venue in venues:
        accredit(pass_programme, venue)
        accredit(entries_programme, venue)
        staff[venue.pk] = venue_user(venue)
    booklets = handed_out_booklet(pass_programme, ccas, count=3)
    vouchers = [v for b in booklets for v in b.vouchers.order_by("pk")]
    Booklet.objects.filter(pk=booklets[2].pk).update(status=BookletStatus.CANCELLED,
                                                     cancelled_at=AT)
    people = [Person.objects.create(full_name=f"Person {n}") for n in range(4)]
    done = []
    at = AT - timedelta(days=40)  # February then March: two months, statements for February
    for step in range(60):
        at += timedelta(hours=rng.choice([1, 5, 13]))
        venue = rng.choice(venues)
        action = rng.random()
        try:
            if action < 0.4 and vouchers:
                voucher = vouchers.pop(rng.randrange(len(vouchers)))
                done.append(operations.redeem_voucher(
                    voucher=voucher, venue=venue, actor=staff[venue.pk], at=at,
                    idempotency_key=f"v-{seed}-{step}"))
            elif action < 0.75:
                done.append(operations.redeem_entry(
                    person=rng.choice(people), venue=venue, actor=staff[venue.pk], at=at,
                    idempotency_key=f"e-{seed}-{step}"))
            elif action < 0.95 and done:
                last = done[-1]
                operations.undo_redemption(redemption=last, actor=staff[last.venue_id],
                                           at=last.at + timedelta(minutes=rng.choice([1, 30])))
            elif at.date() >= date(2026, 3, 1):
                operations.issue_statements(programme=pass_programme, month=date(2026, 2, 1),
                                            actor=funder_user, at=at)
        except DomainError:
            pass
    assert _stored() == queries.recount_redemption_days()
    assert sum(n for n, _c, _s in _stored().values()) >= 20  # the mix did something
    assert _booklets() == queries.recount_booklet_vouchers()
    booklets = Booklet.objects.filter(programme=pass_programme)
    assert queries.booklet_funnel(booklets) == _recounted_funnel(booklets)
    assert queries.booklet_funnel(booklets)["started"] >= 1
    before, counts = _stored(), _booklets()
    RedemptionDay.objects.all().delete()
    Booklet.objects.update(voucher_count=0, vouchers_used=0)
    call_command("rebuild_summaries", verbosity=0)
    assert (_stored(), _booklets()) == (before, counts)


@pytest.mark.django_db(transaction=True)
def test_venues_racing_on_one_day_lose_no_count(postgres_only, pass_programme, ccas, make_venue,
                                                venue_user):
    venue = make_venue("Museum")
    accredit(pass_programme, venue)
    user = venue_user(venue)
    booklets = handed_out_booklet(pass_programme, ccas, count=4)  # 20 vouchers of 10 €
    vouchers = list(Voucher.objects.filter(booklet__in=booklets).order_by("pk")
                    .values_list("pk", flat=True))

    def work(index):
        return operations.redeem_voucher(
            voucher=Voucher.objects.get(pk=vouchers[index]), venue=Venue.objects.get(pk=venue.pk),
            actor=User.objects.get(pk=user.pk), at=AT + timedelta(seconds=index),
            idempotency_key=f"day-{index}").pk

    results = race(20, work)
    assert all(isinstance(r, int) for r in results)
    row = RedemptionDay.objects.get()
    assert (row.count, row.cents) == (20, 20 * 1000)
    assert _stored() == queries.recount_redemption_days()
    assert Booklet.objects.count() == 4


@pytest.mark.django_db
def test_dashboard_figures_come_from_the_summary(pass_programme, ccas, make_venue, venue_user):
    venue = make_venue("Museum")
    accredit(pass_programme, venue)
    user = venue_user(venue)
    [voucher, second, *_rest] = handed_out_booklet(pass_programme, ccas)[0].vouchers.order_by("pk")
    operations.redeem_voucher(voucher=voucher, venue=venue, actor=user, at=AT,
                              idempotency_key="k1")
    undone = operations.redeem_voucher(voucher=second, venue=venue, actor=user, at=AT,
                                       idempotency_key="k2")
    operations.undo_redemption(redemption=undone, actor=user, at=AT + timedelta(minutes=1))
    assert queries.redeemed_by_venue_and_month(pass_programme) == [
        {"venue": "Museum", "month": date(2026, 3, 1), "count": 1, "cents": 1000, "settled": 0}]
    RedemptionDay.objects.update(count=7)  # the page reads the summary, not the redemptions
    assert queries.redeemed_by_venue_and_month(pass_programme)[0]["count"] == 7
