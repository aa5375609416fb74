"""The week grid's cached bookings: read once, served again until a booking is made or
cancelled in its range, never stale, never written from inside a transaction."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from civicard.bookings import operations, queries
from civicard.bookings.models import Booking

from .conftest import AT, TOMORROW_18, make_person

pytestmark = pytest.mark.django_db(transaction=True)  # committed, as a page reads them


@pytest.fixture(autouse=True)
def empty_cache(postgres_only):  # committed data: flushed afterwards, which SQLite refuses
    cache.clear()
    yield
    cache.clear()


def grid(court, household=None):
    """{slot start: state} of the court's week, and the statements read."""
    with CaptureQueriesContext(connection) as read:
        days = queries.week(court, AT.date(), now=AT, household=household)
    return {s.start: s.state for d in days for s in d.slots}, len(read)


def book(court, person, start, key):
    return operations.book(resource=court, person=person, start=start, idempotency_key=key,
                           actor=None, at=AT)


def test_the_second_read_is_served_from_the_cache_and_says_the_same(court, amina, territory,
                                                                    neighbourhood, top_up):
    top_up(court.service, amina.household, 2000)
    book(court, amina, TOMORROW_18, "a")
    first, statements = grid(court)
    assert (first[TOMORROW_18], statements) == ("taken", 3)  # counts, bookings, blocks
    again, statements = grid(court)
    assert (again, statements) == (first, 2)  # counts and blocks: the bookings are cached
    # the cached rows say whose: each household still sees its own as "mine"
    mine, _ = grid(court, household=amina.household)
    assert mine[TOMORROW_18] == "mine"
    other = make_person(territory, "Other One", neighbourhood=neighbourhood)
    assert grid(court, household=other.household)[0][TOMORROW_18] == "taken"


def test_a_booking_or_a_cancellation_changes_the_grid_at_once(court, amina, top_up):
    top_up(court.service, amina.household, 3000)
    before, _ = grid(court)
    assert before[TOMORROW_18] == "free"
    booking = book(court, amina, TOMORROW_18, "a")
    after, statements = grid(court)
    assert (after[TOMORROW_18], statements) == ("taken", 3)
    operations.cancel(booking=booking, person=amina, actor=None, at=AT)
    cancelled, statements = grid(court)
    assert (cancelled[TOMORROW_18], statements) == ("free", 2)  # none confirmed: no rows read
    assert cancelled == before


def test_one_made_and_one_cancelled_between_two_reads_is_seen(court, amina, top_up):
    """As many confirmed bookings as before, but not the same ones: the key still changes."""
    top_up(court.service, amina.household, 3000)
    later = TOMORROW_18 + timedelta(hours=1)
    first = book(court, amina, TOMORROW_18, "a")
    seen, _ = grid(court)
    assert (seen[TOMORROW_18], seen[later]) == ("taken", "free")
    operations.cancel(booking=first, person=amina, actor=None, at=AT)
    book(court, amina, later, "b")
    now, statements = grid(court)
    assert (now[TOMORROW_18], now[later], statements) == ("free", "taken", 3)


def test_a_grid_read_inside_a_transaction_that_rolls_back_leaves_nothing_behind(court, amina):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        Booking.objects.create(resource=court, household=amina.household, booked_by=amina,
                               start=TOMORROW_18, end=TOMORROW_18 + timedelta(hours=1),
                               door_opens_at=TOMORROW_18, idempotency_key="gone",
                               created_at=AT)
        inside, _ = grid(court)
        assert inside[TOMORROW_18] == "taken"
        raise Undo
    after, _ = grid(court)
    assert after[TOMORROW_18] == "free"
    assert not any(key.startswith(":1:bookings:grid:") for key in cache._cache)  # noqa: SLF001
