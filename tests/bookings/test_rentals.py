"""Hall rentals: request, accept or refuse, the door during the hire, the price and the deposit
(held, then given back in full or in part), exact to the cent."""

from datetime import date, time, timedelta

import pytest

from civicard.bookings import door, operations
from civicard.bookings.models import Booking, Rental, RentalStatus, Status
from civicard.core.errors import DomainError
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.notifications.models import Notification
from civicard.wallets.models import LedgerEntry
from civicard.wallets.queries import check_ledger

from .conftest import (
    AFTER_HIRE,
    AT,
    HIRE_END,
    HIRE_START,
    SATURDAY,
    SUNDAY,
    make_person,
)

PRICE = 2 * 4050  # two days at the residents' tariff
DEPOSIT = 30000


def _request(hall, person, *, first=SATURDAY, last=SUNDAY, attendance=60, helpers=(),
             key="rent-1", at=AT, purpose="Mariage de Lina"):
    return operations.request_rental(
        resource=hall, person=person, first_day=first, last_day=last, purpose=purpose,
        attendance=attendance, helper_cards=helpers, idempotency_key=key, actor=None, at=at)


def _code(call) -> str:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value.code


def _funded(hall, person, top_up, cents=PRICE + DEPOSIT):
    return top_up(hall.service, person.household, cents)


def test_a_request_waits_with_its_period_price_and_deposit_and_moves_no_money(hall, amina,
                                                                               helper):
    rental = _request(hall, amina, helpers=[helper.card.number])
    assert rental.status == RentalStatus.PENDING
    assert (rental.start, rental.end) == (HIRE_START, HIRE_END)
    assert (rental.price_cents, rental.deposit_cents) == (PRICE, DEPOSIT)
    assert list(rental.helpers.all()) == [helper]
    assert rental.booking is None
    assert LedgerEntry.objects.count() == 0
    assert AuditLogEntry.objects.filter(action="booking.rental_requested").count() == 1
    again = _request(hall, amina, helpers=[helper.card.number])
    assert again.pk == rental.pk and Rental.objects.count() == 1  # a retry: the same request


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"first": date(2026, 3, 1), "last": date(2026, 3, 1)}, "rental_past"),
    ({"first": date(2026, 3, 6), "last": date(2026, 3, 7)}, "rental_day_closed"),  # a Friday
    ({"first": SATURDAY, "last": date(2026, 3, 15)}, "rental_too_long"),
    ({"first": SUNDAY, "last": SATURDAY}, "rental_too_long"),
    ({"first": date(2026, 9, 5), "last": date(2026, 9, 5)}, "slot_too_far"),
    ({"attendance": 81}, "over_capacity"),
    ({"attendance": 0}, "invalid_input"),
    ({"helpers": ["NOPE-0000"]}, "helper_unknown"),
    ({"purpose": "   "}, "invalid_input"),
])
def test_bad_requests_are_refused_with_their_code_and_write_nothing(hall, amina, kwargs, code):
    assert _code(lambda: _request(hall, amina, **kwargs)) == code
    assert Rental.objects.count() == 0


def test_over_two_helpers_are_refused(hall, amina, territory, neighbourhood):
    helpers = [make_person(territory, f"Helper {i}", neighbourhood=neighbourhood)
               for i in range(3)]
    error = pytest.raises(DomainError, _request, hall, amina,
                          helpers=[h.card.number for h in helpers]).value
    assert error.code == "too_many_helpers" and error.fields == {
        "helpers": ["Name at most 2 helpers."]}
    assert Rental.objects.count() == 0


def test_a_blocked_day_cannot_be_hired(hall, amina):
    hall.blocks.create(weekday=6, starts=time(14), ends=time(16), reason="Loto du club")
    assert _code(lambda: _request(hall, amina)) == "slot_blocked"


def test_slots_of_a_hall_are_not_booked_one_by_one_and_a_court_is_not_rented(hall, court,
                                                                             amina):
    assert _code(lambda: operations.book(resource=hall, person=amina, start=HIRE_START,
                                         idempotency_key="b", actor=None, at=AT)) == "rental_only"
    assert _code(lambda: _request(court, amina)) == "not_rented"


def test_accepting_books_the_hire_charges_price_and_deposit_and_tells_the_renter(
        hall, amina, helper, hall_manager, top_up):
    account = _funded(hall, amina, top_up, 50000)
    rental = _request(hall, amina, helpers=[helper.card.number])
    accepted = operations.accept_rental(rental=rental, actor=hall_manager, at=AT)
    assert accepted.status == RentalStatus.ACCEPTED and accepted.decided_by == hall_manager
    booking = accepted.booking
    assert (booking.start, booking.end, booking.status) == (HIRE_START, HIRE_END,
                                                            Status.CONFIRMED)
    assert booking.door_opens_at == HIRE_START - timedelta(minutes=30)
    assert [c.person for c in booking.companions.all()] == [helper]
    assert booking.charge.amount_cents == -PRICE
    assert accepted.deposit_charge.amount_cents == -DEPOSIT
    assert accepted.deposit_held
    account.refresh_from_db()
    assert account.balance_cents == 50000 - PRICE - DEPOSIT
    notice = Notification.objects.get(person=amina, kind="rental_accepted")
    assert notice.language == "fr" and "Salle des fêtes" in notice.subject
    assert check_ledger() == []


def test_the_door_opens_for_the_renter_and_helpers_during_the_hire_only(
        hall, hall_door, amina, helper, hall_manager, top_up, territory, neighbourhood):
    _funded(hall, amina, top_up)
    operations.accept_rental(rental=_request(hall, amina, helpers=[helper.card.number]),
                             actor=hall_manager, at=AT)
    stranger = make_person(territory, "Someone Else", neighbourhood=neighbourhood)
    during = HIRE_START + timedelta(hours=20)
    assert door.covers(amina, hall_door, during) and door.covers(helper, hall_door, during)
    assert door.covers(amina, hall_door, HIRE_START - timedelta(minutes=30))
    assert not door.covers(amina, hall_door, HIRE_START - timedelta(minutes=31))
    assert not door.covers(helper, hall_door, HIRE_END)
    assert not door.covers(stranger, hall_door, during)
    assert {w[0] for w in door.windows(hall_door, now=AT)} == {amina.pk, helper.pk}


def test_an_unfunded_account_leaves_the_request_waiting_and_nothing_written(hall, amina,
                                                                             hall_manager,
                                                                             top_up):
    _funded(hall, amina, top_up, PRICE)  # not the deposit
    rental = _request(hall, amina)
    entries = LedgerEntry.objects.count()
    assert _code(lambda: operations.accept_rental(rental=rental, actor=hall_manager,
                                                  at=AT)) == "insufficient_balance"
    rental.refresh_from_db()
    assert rental.status == RentalStatus.PENDING and rental.booking is None
    assert Booking.objects.count() == 0 and LedgerEntry.objects.count() == entries


def test_overlapping_days_cannot_be_accepted_twice_nor_requested_again(
        hall, amina, territory, neighbourhood, hall_manager, top_up):
    other = make_person(territory, "Other Renter", neighbourhood=neighbourhood)
    _funded(hall, amina, top_up)
    first = _request(hall, amina)
    second = _request(hall, other, first=SUNDAY, last=SUNDAY, key="rent-2")
    operations.accept_rental(rental=first, actor=hall_manager, at=AT)
    assert _code(lambda: operations.accept_rental(rental=second, actor=hall_manager,
                                                  at=AT)) == "rental_taken"
    second.refresh_from_db()
    assert second.status == RentalStatus.PENDING
    assert _code(lambda: _request(hall, other, first=SUNDAY, last=SUNDAY,
                                  key="rent-3")) == "rental_taken"
    assert _code(lambda: operations.accept_rental(rental=first, actor=hall_manager,
                                                  at=AT)) == "rental_decided"


def test_refusing_needs_a_reason_and_tells_the_renter(hall, amina, hall_manager):
    rental = _request(hall, amina)
    assert _code(lambda: operations.refuse_rental(rental=rental, reason=" ", actor=hall_manager,
                                                  at=AT)) == "invalid_input"
    refused = operations.refuse_rental(rental=rental, reason="Salle en travaux",
                                       actor=hall_manager, at=AT)
    assert (refused.status, refused.refusal_reason) == (RentalStatus.REFUSED, "Salle en travaux")
    assert "Salle en travaux" in Notification.objects.get(kind="rental_refused").body
    assert AuditLogEntry.objects.get(action="booking.rental_refused").extra == {
        "reason": "Salle en travaux"}
    assert _code(lambda: operations.withdraw_rental(rental=rental, person=amina, actor=None,
                                                    at=AT)) == "rental_decided"


def test_only_the_household_withdraws_a_pending_request(hall, amina, territory, neighbourhood):
    rental = _request(hall, amina)
    other = make_person(territory, "Other Renter", neighbourhood=neighbourhood)
    assert _code(lambda: operations.withdraw_rental(rental=rental, person=other, actor=None,
                                                    at=AT)) == "permission_refused"
    done = operations.withdraw_rental(rental=rental, person=amina, actor=None, at=AT)
    assert done.status == RentalStatus.WITHDRAWN


@pytest.mark.parametrize("role", [Role.COUNTER_AGENT, Role.SOCIAL_WORKER])
def test_only_a_manager_of_the_hall_s_commune_decides(hall, amina, make_login, territory, role,
                                                      top_up):
    _funded(hall, amina, top_up)
    rental = _request(hall, amina)
    south = make_login("south@example.org", role=Role.SERVICE_MANAGER,
                       commune=territory.communes.get(name="Sudville"))
    other_role = make_login("other@example.org", role=role)
    for actor in (south, other_role, None):
        assert _code(lambda actor=actor: operations.accept_rental(
            rental=rental, actor=actor, at=AT)) == "permission_refused"
        assert _code(lambda actor=actor: operations.refuse_rental(
            rental=rental, reason="non", actor=actor, at=AT)) == "permission_refused"
    rental.refresh_from_db()
    assert rental.status == RentalStatus.PENDING and LedgerEntry.objects.count() == 1


def _accepted(hall, amina, hall_manager, top_up):
    _funded(hall, amina, top_up)
    return operations.accept_rental(rental=_request(hall, amina), actor=hall_manager, at=AT)


def test_part_of_the_deposit_is_kept_with_a_reason_and_the_rest_given_back_exactly(
        hall, amina, hall_manager, top_up):
    rental = _accepted(hall, amina, hall_manager, top_up)
    account = rental.deposit_charge.account
    settled = operations.settle_deposit(rental=rental, kept_cents=12345,
                                        reason="Vitre cassée", actor=hall_manager,
                                        at=AFTER_HIRE)
    assert (settled.deposit_kept_cents, settled.deposit_released_cents) == (12345, 17655)
    assert settled.deposit_refund.amount_cents == 17655
    assert not settled.deposit_held
    account.refresh_from_db()
    assert account.balance_cents == DEPOSIT - 12345  # funded price + deposit, kept 123.45
    assert AuditLogEntry.objects.get(action="booking.rental_deposit_settled").extra == {
        "held_cents": 30000, "kept_cents": 12345, "released_cents": 17655,
        "reason": "Vitre cassée"}
    body = Notification.objects.get(kind="rental_deposit").body
    assert "123,45" in body and "176,55" in body and "300,00" in body  # in French
    assert _code(lambda: operations.settle_deposit(
        rental=rental, kept_cents=0, reason="", actor=hall_manager,
        at=AFTER_HIRE)) == "deposit_settled"
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert check_ledger() == []


def test_the_whole_deposit_given_back_needs_no_reason_and_may_come_early(hall, amina,
                                                                        hall_manager, top_up):
    rental = _accepted(hall, amina, hall_manager, top_up)
    settled = operations.settle_deposit(rental=rental, kept_cents=0, reason="",
                                        actor=hall_manager, at=AT)
    assert (settled.deposit_kept_cents, settled.deposit_refund.amount_cents) == (0, DEPOSIT)
    settled.deposit_charge.account.refresh_from_db()
    assert settled.deposit_charge.account.balance_cents == DEPOSIT


def test_keeping_it_all_refunds_nothing(hall, amina, hall_manager, top_up):
    rental = _accepted(hall, amina, hall_manager, top_up)
    settled = operations.settle_deposit(rental=rental, kept_cents=DEPOSIT, reason="Dégâts",
                                        actor=hall_manager, at=AFTER_HIRE)
    assert settled.deposit_refund is None and settled.deposit_released_cents == 0
    assert LedgerEntry.objects.filter(kind="refund").count() == 0


@pytest.mark.parametrize(("kept", "reason", "at", "code"), [
    (100, "Ménage", AT, "deposit_too_early"),
    (DEPOSIT + 1, "Trop", AFTER_HIRE, "invalid_input"),
    (-1, "Moins", AFTER_HIRE, "invalid_input"),
    (100, "", AFTER_HIRE, "invalid_input"),
])
def test_a_bad_settlement_changes_nothing(hall, amina, hall_manager, top_up, kept, reason, at,
                                          code):
    rental = _accepted(hall, amina, hall_manager, top_up)
    entries = LedgerEntry.objects.count()
    assert _code(lambda: operations.settle_deposit(rental=rental, kept_cents=kept,
                                                   reason=reason, actor=hall_manager,
                                                   at=at)) == code
    rental.refresh_from_db()
    assert rental.deposit_held and LedgerEntry.objects.count() == entries


def test_the_renter_cannot_cancel_the_hire_but_the_service_can_and_refunds_the_price(
        hall, amina, hall_manager, top_up):
    rental = _accepted(hall, amina, hall_manager, top_up)
    assert _code(lambda: operations.cancel(booking=rental.booking, person=amina, actor=None,
                                           at=AT)) == "rental_cancel_by_service"
    cancelled = operations.cancel_as_manager(booking=rental.booking, reason="Inondation",
                                             actor=hall_manager, at=AT)
    assert cancelled.refund.amount_cents == PRICE
    settled = operations.settle_deposit(rental=rental, kept_cents=0, reason="",
                                        actor=hall_manager, at=AT + timedelta(minutes=1))
    settled.deposit_charge.account.refresh_from_db()
    assert settled.deposit_charge.account.balance_cents == PRICE + DEPOSIT  # all given back
    assert check_ledger() == []


def test_a_free_hall_takes_no_money(hall, amina, hall_manager):
    hall.service = None
    hall.deposit_cents = 0
    hall.save()
    rental = _request(hall, amina)
    assert (rental.price_cents, rental.deposit_cents) == (0, 0)
    accepted = operations.accept_rental(rental=rental, actor=hall_manager, at=AT)
    assert accepted.booking.charge is None and accepted.deposit_charge is None
    assert LedgerEntry.objects.count() == 0


def test_a_deposit_needs_a_paid_service(hall, hall_manager):
    hall.service = None
    assert _code(lambda: operations.save_resource(
        resource=hall, checkpoints=[], communes=[], actor=hall_manager,
        at=AT)) == "invalid_input"


def test_a_court_booking_in_the_hire_blocks_the_request(hall, amina, territory, neighbourhood,
                                                        hall_manager, top_up):
    other = make_person(territory, "Other Renter", neighbourhood=neighbourhood)
    Booking.objects.create(resource=hall, household=other.household, booked_by=other,
                           start=HIRE_START, end=HIRE_START + timedelta(hours=14),
                           door_opens_at=HIRE_START, idempotency_key="direct",
                           created_at=AT)
    assert _code(lambda: _request(hall, amina)) == "rental_taken"


def test_an_association_editor_asks_on_its_behalf_and_nobody_else_may(hall, amina, territory,
                                                                       make_login):
    from civicard.mutualaid.models import Association
    from civicard.people.models import Membership

    club = Association.objects.create(territory=territory, name="Comité des fêtes",
                                      slug="comite", presentation="Fêtes du village")
    editor = make_login("editor@example.org")
    Membership.objects.create(household=amina.household, person=editor.person)
    club.editors.add(editor)
    stranger = make_login("stranger@example.org")

    def ask(actor, key):
        return operations.request_rental(
            resource=hall, person=amina, first_day=SATURDAY, last_day=SATURDAY,
            purpose="Bal du 14 juillet", attendance=70, association=club,
            idempotency_key=key, actor=actor, at=AT)

    assert _code(lambda: ask(stranger, "a")) == "permission_refused"
    assert Rental.objects.count() == 0
    assert ask(editor, "b").association == club
