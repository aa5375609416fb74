from datetime import timedelta

import pytest

from civicard.core.append_only import AppendOnlyViolation
from civicard.core.errors import PermissionRefused
from civicard.library import operations, queries
from civicard.library.models import (
    Channel,
    CopyState,
    Hold,
    HoldOutcome,
    Loan,
    MembershipScope,
    Notice,
    Transit,
    TransitArrival,
)
from civicard.notifications.models import Notification

from .conftest import AT, CHIP, add_title, give_back, lend

pytestmark = pytest.mark.django_db


def test_a_loan_and_its_return_are_rows_and_the_copy_moves(amina, librarian, library, centre):
    title = add_title(library, "Le Petit Prince", copies=[("B1", centre)])
    copy = title.copies.get()
    loan = lend(amina[1], copy, librarian)
    copy.refresh_from_db()
    assert (copy.state, copy.loan_id) == (CopyState.ON_LOAN, loan.pk)
    assert loan.due_at == AT + timedelta(days=21)
    returned = give_back(copy, librarian, at=AT + timedelta(days=3))
    copy.refresh_from_db()
    assert (copy.state, copy.loan_id) == (CopyState.ON_SHELF, None)
    assert returned.loan_id == loan.pk
    assert list(queries.loans_of(amina[0].person)) == []
    with pytest.raises(AppendOnlyViolation):
        loan.save()


def test_lending_the_same_copy_again_to_the_same_member_returns_the_first_loan(
        amina, make_member, librarian, library, centre):
    copy = add_title(library, "Matilda", copies=[("B1", centre)]).copies.get()
    first = lend(amina[1], copy, librarian)
    assert lend(amina[1], copy, librarian).pk == first.pk
    _, other = make_member("other@example.org")
    with pytest.raises(Exception) as refused:
        lend(other, copy, librarian)
    assert refused.value.code == "item_on_loan"
    assert Loan.objects.count() == 1


def test_the_card_chip_and_the_membership_number_find_the_patron(amina, amina_card, library):
    by_chip = queries.find_patron(library, CHIP, AT)
    by_number = queries.find_patron(library, amina[1].number, AT)
    assert by_chip.membership == by_number.membership == amina[1]
    assert by_chip.person == amina[0].person
    with pytest.raises(Exception) as unknown:
        queries.find_patron(library, "04FFFFFFFFFFFF", AT)
    assert unknown.value.code == "patron_unknown"


def test_borrowing_pauses_after_an_overdue_item(amina, librarian, library, centre):
    first = add_title(library, "One", copies=[("B1", centre)]).copies.get()
    second = add_title(library, "Two", copies=[("B2", centre)]).copies.get()
    lend(amina[1], first, librarian)
    with pytest.raises(Exception) as paused:
        lend(amina[1], second, librarian, at=AT + timedelta(days=22))
    assert paused.value.code == "borrowing_paused"
    assert paused.value.text() == ("Borrowing is paused until the overdue items are brought "
                                   "back (1).")
    give_back(first, librarian, at=AT + timedelta(days=22))
    assert lend(amina[1], second, librarian, at=AT + timedelta(days=22)).pk


def test_a_game_s_pieces_are_counted_at_return(amina, librarian, library, centre):
    copy = add_title(library, "Puzzle", kind="game", copies=[("G1", centre)],
                     pieces=120).copies.get()
    lend(amina[1], copy, librarian)
    with pytest.raises(Exception) as wrong:
        give_back(copy, librarian, pieces_counted=121)
    assert wrong.value.code == "pieces_missing"
    assert give_back(copy, librarian, pieces_counted=117).pieces_missing == 3


def test_the_first_in_line_gets_the_returned_copy_then_the_next(
        amina, make_member, librarian, library, centre):
    copy = add_title(library, "Dune", copies=[("B1", centre)]).copies.get()
    _, borrower = make_member("borrower@example.org")
    lend(borrower, copy, librarian)
    first = operations.place_hold(title=copy.title, membership=amina[1], person=amina[0].person,
                                  pickup_branch=centre, channel=Channel.ONLINE,
                                  actor=amina[0], at=AT + timedelta(hours=1))
    user2, second_membership = make_member("second@example.org")
    second = operations.place_hold(title=copy.title, membership=second_membership,
                                   person=user2.person, pickup_branch=centre,
                                   channel=Channel.ONLINE, actor=user2,
                                   at=AT + timedelta(hours=2))
    assert [queries.queue_position(h) for h in (first, second)] == [1, 2]
    with pytest.raises(Exception) as refused:
        operations.renew(loan=Loan.objects.get(), channel=Channel.ONLINE, at=AT)
    assert refused.value.code == "renewal_refused"

    give_back(copy, librarian, at=AT + timedelta(days=1))
    copy.refresh_from_db()
    assert (copy.state, copy.waiting_for_id) == (CopyState.WAITING, first.pk)
    [line] = [h for h in queries.holds_of(amina[0].person)]
    assert line.collect_by == AT + timedelta(days=6)
    notice = Notification.objects.get(person=amina[0].person, kind="library.hold_ready")
    assert notice.body == "“Dune” is waiting for you at Centre until 16 March 2026."

    with pytest.raises(Exception) as kept:
        lend(second_membership, copy, librarian, at=AT + timedelta(days=2))
    assert kept.value.code == "item_waiting_for_someone_else"

    assert operations.expire_pickups(at=AT + timedelta(days=7)) == 1
    copy.refresh_from_db()
    assert copy.waiting_for_id == second.pk
    assert first.end.outcome == HoldOutcome.EXPIRED
    lend(second_membership, copy, librarian, at=AT + timedelta(days=8))
    second.refresh_from_db()
    assert second.end.outcome == HoldOutcome.COLLECTED


def test_a_hold_on_a_copy_on_the_shelf_sets_it_aside_at_once(amina, make_member, librarian,
                                                             library, centre):
    copy = add_title(library, "Shelf", copies=[("B1", centre)]).copies.get()
    hold = operations.place_hold(title=copy.title, membership=amina[1], person=amina[0].person,
                                 pickup_branch=centre, channel=Channel.ONLINE, actor=amina[0],
                                 at=AT)
    _, walk_in = make_member("walkin@example.org")
    with pytest.raises(Exception) as refused:
        lend(walk_in, copy, librarian)
    assert refused.value.code == "item_waiting_for_someone_else"
    operations.cancel_hold(hold=hold, actor=amina[0], at=AT)
    assert lend(walk_in, copy, librarian).pk


def test_a_hold_needs_a_copy_that_can_be_lent(amina, librarian, library, centre, port):
    title = add_title(library, "Only withdrawn", copies=[("P1", port)])
    operations.withdraw(copy=title.copies.get(), actor=librarian, at=AT)
    with pytest.raises(Exception) as refused:
        operations.place_hold(title=title, membership=amina[1], person=amina[0].person,
                              pickup_branch=centre, channel=Channel.ONLINE, actor=amina[0], at=AT)
    assert refused.value.code == "hold_no_copy_to_lend"
    assert not Hold.objects.exists()


def _hold(member, title, branch, at=AT):
    user, membership = member
    return operations.place_hold(title=title, membership=membership, person=user.person,
                                 pickup_branch=branch, channel=Channel.ONLINE, actor=user, at=at)


def test_a_hold_for_another_branch_sends_a_copy_in_transit_ready_on_arrival(
        amina, make_member, librarian, library, centre, port):
    copy = add_title(library, "Only at the port", copies=[("P1", port)]).copies.get()
    hold = _hold(amina, copy.title, centre)
    copy.refresh_from_db()
    transit = Transit.objects.get()
    assert (copy.state, copy.transit_id, copy.waiting_for_id) == (
        CopyState.IN_TRANSIT, transit.pk, None)
    assert (transit.hold, transit.from_branch, transit.to_branch) == (hold, port, centre)
    [line] = queries.holds_of(amina[0].person)
    assert (line.in_transit, line.position, line.collect_by) == (True, None, None)
    _, walk_in = make_member("walkin@example.org")
    with pytest.raises(Exception) as refused:
        lend(walk_in, copy, librarian)
    assert refused.value.code == "item_in_transit"
    assert refused.value.text() == ("This item is on its way to Centre for a member who asked "
                                    "for it.")

    passing = operations.check_in(copy=copy, branch=port, channel=Channel.DESK,
                                  actor=librarian, at=AT + timedelta(hours=1))
    assert (passing.returned, passing.send_to, passing.copy.state) == (
        None, centre, CopyState.IN_TRANSIT)
    assert not TransitArrival.objects.exists()
    assert not Notification.objects.filter(kind="library.hold_ready").exists()

    arrived = operations.check_in(copy=copy, branch=centre, channel=Channel.DESK,
                                  actor=librarian, at=AT + timedelta(days=1))
    copy.refresh_from_db()
    assert (arrived.returned, arrived.send_to) == (None, None)
    assert (copy.state, copy.branch, copy.waiting_for_id, copy.transit_id) == (
        CopyState.WAITING, centre, hold.pk, None)
    assert TransitArrival.objects.get().transit == transit
    assert hold.ready.collect_by == AT + timedelta(days=6)
    notice = Notification.objects.get(person=amina[0].person, kind="library.hold_ready")
    assert notice.body == "“Only at the port” is waiting for you at Centre until 16 March 2026."
    lend(amina[1], copy, librarian, at=AT + timedelta(days=2))
    hold.refresh_from_db()
    assert hold.end.outcome == HoldOutcome.COLLECTED


def test_a_returned_copy_goes_to_the_first_in_line_even_at_another_branch(
        amina, make_member, librarian, library, centre, port):
    copy = add_title(library, "Dune", copies=[("B1", centre)]).copies.get()
    _, borrower = make_member("borrower@example.org")
    lend(borrower, copy, librarian)
    first = _hold(amina, copy.title, port, at=AT + timedelta(hours=1))
    second = _hold(make_member("second@example.org"), copy.title, centre,
                   at=AT + timedelta(hours=2))
    give_back(copy, librarian, at=AT + timedelta(days=1))
    copy.refresh_from_db()
    assert (copy.state, copy.transit.hold, copy.transit.to_branch) == (
        CopyState.IN_TRANSIT, first, port)
    assert queries.queue_position(second) == 1
    with pytest.raises(Exception) as refused:
        operations.withdraw(copy=copy, actor=librarian, at=AT)
    assert refused.value.code == "item_in_transit"


def test_a_copy_arriving_for_a_cancelled_hold_goes_to_the_next_or_the_shelf(
        amina, make_member, librarian, library, centre, port):
    copy = add_title(library, "Only at the port", copies=[("P1", port)]).copies.get()
    hold = _hold(amina, copy.title, centre)
    operations.cancel_hold(hold=hold, actor=amina[0], at=AT + timedelta(hours=1))
    copy.refresh_from_db()
    assert copy.state == CopyState.IN_TRANSIT  # already in the van: it goes on
    second = _hold(make_member("second@example.org"), copy.title, port,
                   at=AT + timedelta(hours=2))
    assert queries.queue_position(second) == 1
    done = operations.check_in(copy=copy, branch=centre, channel=Channel.DESK, actor=librarian,
                               at=AT + timedelta(days=1))
    assert (done.copy.state, done.copy.branch, done.send_to) == (
        CopyState.IN_TRANSIT, centre, port)
    operations.cancel_hold(hold=second, actor=librarian, at=AT + timedelta(days=1))
    done = operations.check_in(copy=copy, branch=port, channel=Channel.DESK, actor=librarian,
                               at=AT + timedelta(days=2))
    assert (done.copy.state, done.copy.branch, done.send_to) == (CopyState.ON_SHELF, port, None)
    assert TransitArrival.objects.count() == 2


def test_a_renewal_is_a_new_row_and_counts(amina, librarian, library, centre):
    library.renewals = 1
    library.save()
    copy = add_title(library, "Renew me", copies=[("B1", centre)]).copies.get()
    loan = lend(amina[1], copy, librarian)
    operations.renew(loan=loan, channel=Channel.ONLINE, at=AT + timedelta(days=10))
    [line] = queries.loans_of(amina[0].person)
    assert line.current_due_at == AT + timedelta(days=31)
    with pytest.raises(Exception) as refused:
        operations.renew(loan=loan, channel=Channel.ONLINE, at=AT + timedelta(days=11))
    assert refused.value.code == "renewal_limit_reached"


def test_reminders_are_sent_once(amina, librarian, library, centre):
    copy = add_title(library, "Due soon", copies=[("B1", centre)]).copies.get()
    loan = lend(amina[1], copy, librarian)
    assert operations.send_reminders(at=AT + timedelta(days=19, hours=12)) == 1
    assert operations.send_reminders(at=AT + timedelta(days=19, hours=13)) == 0
    assert operations.send_reminders(at=AT + timedelta(days=22)) == 1
    assert sorted(Notice.objects.values_list("key", flat=True)) == [
        f"due:{loan.pk}:2026-03-31", f"overdue:{loan.pk}:2026-03-31"]


def test_membership_reminder_before_expiry(amina):
    ends = amina[1].ends_on
    assert ends.isoformat() == "2027-03-10"
    assert operations.send_reminders(at=AT + timedelta(days=300)) == 0
    assert operations.send_reminders(at=AT + timedelta(days=340)) == 1
    notice = Notification.objects.get(kind="library.membership_ending")
    assert notice.body == ("Your membership of Médiathèque ends on 10 March 2027. Renew it at "
                           "the desk or online.")


def test_a_household_membership_covers_the_children(make_login, make_household, library, centre,
                                                    librarian, neighbourhood):
    library.membership_scope = MembershipScope.HOUSEHOLD
    library.save()
    parent = make_login("parent@example.org")
    household = make_household(parent.person, neighbourhood=neighbourhood, children=["Kid One"])
    membership = operations.join(library=library, person=parent.person, home_branch=centre,
                                 actor=parent, at=AT)
    kid = household.members.get(full_name="Kid One")
    assert membership.household == household
    assert queries.membership_of(library, kid) == membership
    copy = add_title(library, "Toy", copies=[("T1", centre)]).copies.get()
    loan = operations.lend(membership=membership, person=kid, copy=copy, channel=Channel.DESK,
                           actor=librarian, at=AT)
    assert loan.person == kid


def test_a_resident_cannot_lend_at_the_desk(amina, library, centre):
    copy = add_title(library, "Desk only", copies=[("B1", centre)]).copies.get()
    with pytest.raises(PermissionRefused):
        lend(amina[1], copy, amina[0])
    assert Loan.objects.count() == 0


def test_the_yearly_fee_is_charged_once_through_the_household_account(
        make_login, make_household, library, centre, neighbourhood, territory):
    from civicard.wallets.models import Account, LedgerEntry, PaymentMode, Service, ShortageRule

    library.fee_service = Service.objects.create(
        territory=territory, slug="library", name="Library", payment_mode=PaymentMode.PER_USE,
        shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE)
    library.fee_cents = 1200
    library.save()
    user = make_login("payer@example.org")
    household = make_household(user.person, neighbourhood=neighbourhood)
    membership = operations.join(library=library, person=user.person, home_branch=centre,
                                 actor=user, at=AT)
    account = Account.objects.get(household=household, service=library.fee_service)
    assert account.balance_cents == -1200
    [entry] = LedgerEntry.objects.filter(account=account)
    assert (entry.amount_cents, entry.reason) == (-1200, operations.MEMBERSHIP_FEE_REASON)
    renewed = operations.renew_membership(membership=membership, actor=user,
                                          at=AT + timedelta(days=300))
    assert renewed.ends_on.isoformat() == "2028-03-10"
    account.refresh_from_db()
    assert account.balance_cents == -2400
    with pytest.raises(Exception) as again:
        operations.join(library=library, person=user.person, home_branch=centre, actor=user,
                        at=AT)
    assert again.value.code == "already_member"
    assert LedgerEntry.objects.filter(account=account).count() == 2
