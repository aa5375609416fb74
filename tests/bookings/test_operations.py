from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from civicard.bookings import operations, queries
from civicard.bookings.models import Block, Booking, Status, WhoMayBook
from civicard.core.errors import DomainError, IdempotencyConflict
from civicard.notifications.models import Notification
from civicard.wallets.models import Account, LedgerEntry
from civicard.wallets.queries import check_ledger

from .conftest import AT, TOMORROW_18, make_person


def book(court, person, start=TOMORROW_18, key="k1", at=AT, **kwargs):
    return operations.book(resource=court, person=person, start=start, idempotency_key=key,
                           actor=person.user, at=at, **kwargs)


def balance(service, household):
    return Account.objects.get(service=service, household=household).balance_cents


def code_of(call) -> str:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value.code


def test_a_resident_books_a_free_slot_and_pays_the_resident_price(court, amina, top_up):
    top_up(court.service, amina.household, 2000)
    booking = book(court, amina)
    assert (booking.start, booking.end) == (TOMORROW_18, TOMORROW_18 + timedelta(hours=1))
    assert booking.door_opens_at == TOMORROW_18 - timedelta(minutes=10)
    assert booking.price_cents == 500
    assert booking.charge.amount_cents == -500
    assert balance(court.service, amina.household) == 1500
    assert Notification.objects.get(person=amina).kind == "booking_confirmed"
    assert check_ledger() == []


def test_the_confirmation_e_mail_carries_the_booking_as_a_calendar_entry(
        court, amina, top_up, django_capture_on_commit_callbacks):
    top_up(court.service, amina.household, 2000)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(court, amina)
    (message,) = [m for m in mail.outbox if "booking" in m.subject.lower()
                  or court.name in m.subject]
    ((name, text, mimetype),) = message.attachments
    assert (name, mimetype) == (f"booking-{booking.pk}.ics", "text/calendar")
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (booking.start, booking.end)
    assert str(event["summary"]) == court.name


def test_a_retry_with_the_same_key_returns_the_first_booking_and_pays_once(court, amina, top_up):
    top_up(court.service, amina.household, 2000)
    first = book(court, amina)
    again = book(court, amina)
    assert again.pk == first.pk
    assert Booking.objects.count() == 1
    assert balance(court.service, amina.household) == 1500
    with pytest.raises(IdempotencyConflict):
        book(court, amina, start=TOMORROW_18 + timedelta(hours=1))


def test_a_taken_slot_is_refused_and_nothing_is_charged(court, amina, territory, neighbourhood,
                                                        top_up):
    other = make_person(territory, "Bruno Other", neighbourhood=neighbourhood)
    top_up(court.service, amina.household, 2000)
    top_up(court.service, other.household, 2000)
    book(court, amina)
    assert code_of(lambda: book(court, other, key="k2")) == "slot_taken"
    assert balance(court.service, other.household) == 2000
    assert Booking.objects.count() == 1


def test_an_unfunded_booking_is_refused_under_the_refuse_rule(court, amina):
    assert code_of(lambda: book(court, amina)) == "insufficient_balance"
    assert Booking.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(("start", "at", "code"), [
    (AT - timedelta(hours=1), AT, "slot_past"),
    (TOMORROW_18 + timedelta(minutes=30), AT, "slot_invalid"),  # not on the slot grid
    (TOMORROW_18.replace(hour=22), AT, "slot_invalid"),  # 23:00 in Paris: closed
    (TOMORROW_18 + timedelta(days=20), AT, "slot_too_far"),
])
def test_bad_slots_get_their_own_code(court, amina, top_up, start, at, code):
    top_up(court.service, amina.household, 2000)
    assert code_of(lambda: book(court, amina, start=start, at=at)) == code
    assert Booking.objects.count() == 0


def test_latest_booking_time_and_inactive_resource(court, amina, top_up):
    top_up(court.service, amina.household, 2000)
    court.book_until_minutes = 60 * 48
    assert code_of(lambda: book(court, amina)) == "booking_closed"
    court.book_until_minutes, court.is_active = 0, False
    assert code_of(lambda: book(court, amina)) == "resource_inactive"


def test_a_recurring_block_cannot_be_booked(court, amina, top_up):
    top_up(court.service, amina.household, 2000)
    Block.objects.create(resource=court, weekday=1, starts="17:00", ends="19:00",
                         reason="School")
    assert code_of(lambda: book(court, amina)) == "slot_blocked"
    states = {s.start: s.state for d in queries.week(court, TOMORROW_18.date(), now=AT, days=1)
              for s in d.slots}
    assert states[TOMORROW_18] == "blocked"
    assert states[TOMORROW_18 + timedelta(hours=2)] == "free"


def test_the_household_limit_counts_future_bookings_only(court, amina, top_up):
    top_up(court.service, amina.household, 5000)
    book(court, amina, key="a")
    book(court, amina, start=TOMORROW_18 + timedelta(hours=1), key="b")
    third = TOMORROW_18 + timedelta(hours=2)
    assert code_of(lambda: book(court, amina, start=third, key="c")) == "booking_limit"
    later = TOMORROW_18 + timedelta(hours=1, minutes=1)  # the first one is over
    assert book(court, amina, start=third, key="c", at=later).start == third


def test_who_may_book(court, amina, territory, top_up):
    stranger = make_person(territory, "No Address")  # no address: not a resident
    top_up(court.service, stranger.household, 2000)
    assert code_of(lambda: book(court, stranger, key="s")) == "booking_not_allowed"
    court.who_may_book = WhoMayBook.COMMUNES
    court.save()
    assert code_of(lambda: book(court, amina)) == "booking_not_allowed"
    court.communes.set([territory.communes.get(name="Nordville")])
    top_up(court.service, amina.household, 2000)
    assert book(court, amina).status == Status.CONFIRMED
    court.who_may_book = WhoMayBook.ANYONE
    assert book(court, stranger, key="s", start=TOMORROW_18 + timedelta(hours=1)).price_cents \
        == 800  # not a resident: the full price


def test_companions_by_card_number_and_from_the_household(court, amina, territory, top_up):
    top_up(court.service, amina.household, 2000)
    friend = make_person(territory, "Friend Far")
    child = make_person(territory, "Child Benali", household=amina.household)
    assert code_of(lambda: book(court, amina, card_numbers=["CV-NOPE"])) == "companion_unknown"
    booking = book(court, amina, card_numbers=[friend.card.number], members=[child.pk])
    assert set(booking.companions.values_list("person_id", flat=True)) == {friend.pk, child.pk}
    other = make_person(territory, "Third One")
    assert code_of(lambda: book(court, amina, key="k9", start=TOMORROW_18 + timedelta(hours=1),
                                card_numbers=[friend.card.number, other.card.number],
                                members=[child.pk])) == "too_many_companions"


def test_cancel_before_the_limit_is_refunded(court, amina, top_up):
    top_up(court.service, amina.household, 2000)
    booking = book(court, amina)
    cancelled = operations.cancel(booking=booking, person=amina, actor=None, at=AT)
    assert cancelled.status == Status.CANCELLED
    assert cancelled.refund.amount_cents == 500
    assert balance(court.service, amina.household) == 2000
    assert code_of(lambda: operations.cancel(booking=booking, person=amina, actor=None,
                                             at=AT)) == "booking_cancelled"
    assert book(court, amina, key="again").status == Status.CONFIRMED  # the slot is free again
    assert check_ledger() == []


def test_cancel_after_the_limit_is_not_refunded_and_a_started_one_cannot_be_cancelled(
        court, amina, top_up):
    top_up(court.service, amina.household, 2000)
    booking = book(court, amina)
    late = TOMORROW_18 - timedelta(hours=2)
    assert code_of(lambda: operations.cancel(
        booking=booking, person=amina, actor=None, at=TOMORROW_18)) == "booking_over"
    cancelled = operations.cancel(booking=booking, person=amina, actor=None, at=late)
    assert cancelled.status == Status.CANCELLED and cancelled.refund is None
    assert balance(court.service, amina.household) == 1500


def test_someone_else_cannot_cancel(court, amina, territory, top_up):
    top_up(court.service, amina.household, 2000)
    booking = book(court, amina)
    other = make_person(territory, "Someone Else")
    assert code_of(lambda: operations.cancel(booking=booking, person=other, actor=None,
                                             at=AT)) == "permission_refused"
    assert Booking.objects.get().status == Status.CONFIRMED


def test_a_manager_cancels_with_a_reason_refunded_and_notified(court, amina, manager, top_up,
                                                              make_login):
    from civicard.core.permissions import Role

    top_up(court.service, amina.household, 2000)
    booking = book(court, amina)
    assert code_of(lambda: operations.cancel_as_manager(
        booking=booking, reason=" ", actor=manager, at=AT)) == "invalid_input"
    south = court.facility.territory.communes.get(name="Sudville")
    elsewhere = make_login("south@example.org", role=Role.SERVICE_MANAGER, commune=south)
    assert code_of(lambda: operations.cancel_as_manager(
        booking=booking, reason="Leak", actor=elsewhere, at=AT)) == "permission_refused"
    late = TOMORROW_18 - timedelta(hours=1)
    cancelled = operations.cancel_as_manager(booking=booking, reason="Roof leak", actor=manager,
                                             at=late)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, "Roof leak")
    assert balance(court.service, amina.household) == 2000
    assert Notification.objects.filter(person=amina, kind="booking_cancelled").count() == 1


def test_a_free_resource_books_without_an_account(court, amina):
    court.service = None
    court.save()
    booking = book(court, amina)
    assert (booking.price_cents, booking.charge) == (0, None)
    assert not Account.objects.exists()


def test_week_shows_free_taken_and_mine_never_who(court, amina, territory, neighbourhood,
                                                  top_up):
    other = make_person(territory, "Bruno Other", neighbourhood=neighbourhood)
    top_up(court.service, amina.household, 2000)
    book(court, amina)
    days = queries.week(court, AT.date(), now=AT, household=other.household)
    assert [len(d.slots) for d in days] == [14] * 7
    states = {s.start: s.state for d in days for s in d.slots}
    assert states[TOMORROW_18] == "taken"
    assert states[AT - timedelta(hours=1)] == "past"
    assert states[AT + timedelta(hours=1)] == "free"
    mine = queries.week(court, AT.date(), now=AT, household=amina.household)
    assert {s.state for d in mine for s in d.slots if s.start == TOMORROW_18} == {"mine"}
    assert [s.start for s in queries.next_free(court, after=TOMORROW_18, now=AT, limit=2)] == [
        TOMORROW_18 + timedelta(hours=1), TOMORROW_18 + timedelta(hours=2)]


def test_no_shows_are_marked_and_bar_the_household(court, amina, top_up):
    top_up(court.service, amina.household, 5000)
    court.no_shows_to_bar, court.max_future_bookings = 1, 5
    court.save()
    book(court, amina)
    after = TOMORROW_18 + timedelta(hours=2)
    assert operations.mark_no_shows(at=after, entered=lambda b: False) == 1
    assert Booking.objects.get().no_show is True
    assert operations.mark_no_shows(at=after, entered=lambda b: False) == 0  # checked once
    assert code_of(lambda: book(court, amina, key="k2", at=after,
                                start=TOMORROW_18 + timedelta(days=1))) == "booking_not_allowed"


def test_a_slot_overlapped_by_a_booking_of_another_length_shows_taken(court, amina, top_up):
    """After the slot length changes, old bookings still make the slots they cover taken."""
    top_up(court.service, amina.household, 2000)
    book(court, amina)  # 18:00-19:00
    court.slot_minutes = 30
    court.save()
    states = {s.start: s.state for d in queries.week(court, TOMORROW_18.date(), now=AT, days=1,
                                                     household=amina.household)
              for s in d.slots}
    half = timedelta(minutes=30)
    assert [states[TOMORROW_18 - half], states[TOMORROW_18], states[TOMORROW_18 + half],
            states[TOMORROW_18 + 2 * half]] == ["free", "mine", "mine", "free"]
    assert code_of(lambda: book(court, amina, key="k2", start=TOMORROW_18 + half)) \
        == "slot_taken"


def test_weeks_reads_several_resources_at_once(court, amina, top_up):
    from civicard.bookings.models import Resource

    other = Resource.objects.create(facility=court.facility, name="Court 2", kind="court",
                                    opening_hours="Mo-Su 10:00-12:00", slot_minutes=60)
    top_up(court.service, amina.household, 2000)
    book(court, amina)
    grids = queries.weeks([court, other], TOMORROW_18.date(), now=AT, days=1)
    assert [s.state for s in grids[other.pk][0].slots] == ["free", "free"]
    assert [s.state for s in grids[court.pk][0].slots].count("taken") == 1
