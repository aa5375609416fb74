"""Real connections racing on PostgreSQL for one slot: exactly one booking, one charge."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from civicard.bookings import operations
from civicard.bookings.models import Booking, Resource, Status
from civicard.people.models import Person
from civicard.wallets.models import LedgerEntry
from civicard.wallets.queries import check_ledger
from tests.races import race

from .conftest import AT, TOMORROW_18, make_person

pytestmark = pytest.mark.django_db(transaction=True)




def _book(resource_pk, person_pk, key):
    booking = operations.book(resource=Resource.objects.get(pk=resource_pk),
                              person=Person.objects.get(pk=person_pk), start=TOMORROW_18,
                              idempotency_key=key, actor=None, at=AT)
    return booking.pk


def test_fifty_households_press_book_on_one_slot_at_once(postgres_only, court, territory,
                                                         neighbourhood, top_up):
    people = [make_person(territory, f"Player {i:02}", neighbourhood=neighbourhood)
              for i in range(50)]
    for person in people:
        top_up(court.service, person.household, 1000)
    results = race(50, lambda i: _book(court.pk, people[i].pk, f"race-{i}"))
    assert sum(isinstance(r, int) for r in results) == 1
    assert results.count("slot_taken") == 49
    assert Booking.objects.filter(status=Status.CONFIRMED).count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert check_ledger() == []


def test_one_key_sent_twenty_times_at_once_makes_one_booking(postgres_only, court, amina,
                                                             top_up):
    top_up(court.service, amina.household, 1000)
    results = race(20, lambda i: _book(court.pk, amina.pk, "the-same-key"))
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert Booking.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_cancelling_twice_at_once_refunds_once(postgres_only, court, amina, top_up):
    top_up(court.service, amina.household, 1000)
    booking = Booking.objects.get(pk=_book(court.pk, amina.pk, "k"))

    def cancel(_index):
        return operations.cancel(booking=Booking.objects.get(pk=booking.pk), person=amina,
                                 actor=None, at=AT).status

    results = race(10, cancel)
    assert results.count(Status.CANCELLED) == 1
    assert results.count("booking_cancelled") == 9
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert check_ledger() == []


def test_postgresql_refuses_overlapping_bookings_whatever_their_start(postgres_only, court,
                                                                     amina):
    first = Booking.objects.create(resource=court, household=amina.household, booked_by=amina,
                                   start=TOMORROW_18, end=TOMORROW_18 + timedelta(hours=1),
                                   door_opens_at=TOMORROW_18, idempotency_key="a", created_at=AT)
    half = TOMORROW_18 + timedelta(minutes=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(resource=court, household=amina.household, booked_by=amina,
                               start=half, end=half + timedelta(hours=1), door_opens_at=half,
                               idempotency_key="b", created_at=AT)
    Booking.objects.filter(pk=first.pk).update(status=Status.CANCELLED)
    assert Booking.objects.create(resource=court, household=amina.household, booked_by=amina,
                                  start=half, end=half + timedelta(hours=1), door_opens_at=half,
                                  idempotency_key="b", created_at=AT).pk


def test_two_requests_for_the_same_days_accepted_at_once_give_one_hire(
        postgres_only, hall, territory, neighbourhood, hall_manager, top_up):
    from civicard.bookings.models import Rental, RentalStatus

    from .conftest import SATURDAY, SUNDAY

    renters = [make_person(territory, f"Renter {i}", neighbourhood=neighbourhood)
               for i in range(2)]
    rentals = []
    for index, renter in enumerate(renters):
        top_up(hall.service, renter.household, 50000)
        rentals.append(operations.request_rental(
            resource=hall, person=renter, first_day=SATURDAY, last_day=SUNDAY,
            purpose="Fête", attendance=40, idempotency_key=f"rent-{index}", actor=None, at=AT))

    def accept(index):
        return operations.accept_rental(rental=Rental.objects.get(pk=rentals[index].pk),
                                        actor=hall_manager, at=AT).status

    results = race(2, accept)
    assert sorted(results) == [RentalStatus.ACCEPTED, "rental_taken"]
    assert Rental.objects.filter(status=RentalStatus.ACCEPTED).count() == 1
    assert Rental.objects.filter(status=RentalStatus.PENDING).count() == 1
    assert Booking.objects.filter(status=Status.CONFIRMED).count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 2  # one price, one deposit
    assert check_ledger() == []


def test_ten_overlapping_requests_accepted_at_once_give_one_hire(
        postgres_only, hall, territory, neighbourhood, hall_manager, top_up):
    from civicard.bookings.models import Rental, RentalStatus

    from .conftest import SATURDAY, SUNDAY

    rentals = []
    for index in range(10):
        renter = make_person(territory, f"Renter {index:02}", neighbourhood=neighbourhood)
        top_up(hall.service, renter.household, 50000)
        first = SATURDAY if index % 2 else SUNDAY  # Saturday–Sunday or Sunday alone
        rentals.append(operations.request_rental(
            resource=hall, person=renter, first_day=first, last_day=SUNDAY, purpose="Fête",
            attendance=40, idempotency_key=f"rent-{index}", actor=None, at=AT))

    results = race(10, lambda i: operations.accept_rental(
        rental=Rental.objects.get(pk=rentals[i].pk), actor=hall_manager, at=AT).status)
    assert results.count(RentalStatus.ACCEPTED) == 1
    assert results.count("rental_taken") == 9
    assert Booking.objects.filter(status=Status.CONFIRMED).count() == 1
    assert check_ledger() == []
