"""Real connections racing on PostgreSQL: row locks and unique keys keep rights exact."""

import pytest

from civicard.benefits import operations
from civicard.benefits.models import MonthlyUsage, Redemption, Venue, Voucher
from civicard.people.models import User
from tests.races import race

from .conftest import AT, accredit, handed_out_booklet

pytestmark = pytest.mark.django_db(transaction=True)


def _venues(make_venue, venue_user, programme, count):
    pairs = []
    for index in range(count):
        venue = make_venue(f"Venue {index}")
        accredit(programme, venue)
        pairs.append((venue.pk, venue_user(venue).pk))
    return pairs


def test_thirty_venues_racing_for_one_voucher_one_wins(postgres_only, pass_programme, ccas,
                                                       make_venue, venue_user):
    pairs = _venues(make_venue, venue_user, pass_programme, 30)
    voucher = handed_out_booklet(pass_programme, ccas)[0].vouchers.first()

    def work(index):
        venue_pk, user_pk = pairs[index]
        return operations.redeem_voucher(
            voucher=Voucher.objects.get(pk=voucher.pk), venue=Venue.objects.get(pk=venue_pk),
            actor=User.objects.get(pk=user_pk), at=AT, idempotency_key=f"race-{index}").pk

    results = race(30, work)
    assert sum(isinstance(r, int) for r in results) == 1
    assert results.count("voucher_already_used") == 29
    assert Redemption.objects.filter(voucher=voucher).count() == 1


def test_two_entries_left_at_ten_venues_at_once_gives_exactly_two(
        postgres_only, entries_programme, holder, make_venue, venue_user):
    pairs = _venues(make_venue, venue_user, entries_programme, 10)

    def work(index):
        venue_pk, user_pk = pairs[index]
        return operations.redeem_entry(
            person=holder, venue=Venue.objects.get(pk=venue_pk),
            actor=User.objects.get(pk=user_pk), at=AT, idempotency_key=f"entry-{index}").pk

    results = race(10, work)
    assert sum(isinstance(r, int) for r in results) == 2
    assert results.count("no_entries_left") == 8
    assert MonthlyUsage.objects.get(person=holder).used == 2
    assert Redemption.objects.filter(person=holder).count() == 2


def test_the_per_venue_cap_holds_under_concurrency(postgres_only, entries_programme, holder,
                                                   make_venue, venue_user):
    entries_programme.entries_per_month = 10
    entries_programme.per_venue_cap = 3
    entries_programme.save()
    [(venue_pk, user_pk)] = _venues(make_venue, venue_user, entries_programme, 1)

    def work(index):
        return operations.redeem_entry(
            person=holder, venue=Venue.objects.get(pk=venue_pk),
            actor=User.objects.get(pk=user_pk), at=AT, idempotency_key=f"cap-{index}").pk

    results = race(12, work)
    assert sum(isinstance(r, int) for r in results) == 3
    assert results.count("venue_cap_reached") == 9
    assert MonthlyUsage.objects.get(person=holder).used == 3


def test_one_key_sent_many_times_at_once_makes_one_redemption(postgres_only, pass_programme,
                                                              ccas, make_venue, venue_user):
    [(venue_pk, user_pk)] = _venues(make_venue, venue_user, pass_programme, 1)
    voucher = handed_out_booklet(pass_programme, ccas)[0].vouchers.first()

    def work(index):
        return operations.redeem_voucher(
            voucher=Voucher.objects.get(pk=voucher.pk), venue=Venue.objects.get(pk=venue_pk),
            actor=User.objects.get(pk=user_pk), at=AT, idempotency_key="one-key").pk

    results = race(10, work)
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert Redemption.objects.count() == 1
