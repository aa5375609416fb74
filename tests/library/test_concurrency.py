"""Real connections racing on PostgreSQL: one copy, one loan; the hold placed first wins."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicard.core.errors import DomainError
from civicard.library import operations
from civicard.library.models import Channel, Copy, Hold, HoldReady, Loan, Membership
from civicard.people.models import User

from .conftest import AT, add_title

pytestmark = pytest.mark.django_db(transaction=True)


def _race(works):
    barrier = threading.Barrier(len(works))

    def run(work):
        try:
            barrier.wait()
            return work()
        except DomainError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(works)) as pool:
        return list(pool.map(run, works))


def test_ten_desks_lending_one_copy_make_one_loan(postgres_only, make_member, librarian, library,
                                                  centre):
    copy = add_title(library, "Last one", copies=[("B1", centre)]).copies.get()
    members = [make_member(f"m{i}@example.org")[1].pk for i in range(10)]

    def desk(membership_pk):
        def work():
            membership = Membership.objects.select_related("library", "person").get(
                pk=membership_pk)
            return operations.lend(membership=membership, person=membership.person,
                                   copy=Copy.objects.get(pk=copy.pk), channel=Channel.DESK,
                                   actor=User.objects.get(pk=librarian.pk), at=AT).pk
        return work

    results = _race([desk(pk) for pk in members])
    assert sum(isinstance(r, int) for r in results) == 1
    assert results.count("item_on_loan") == 9
    assert Loan.objects.count() == 1


def test_a_hold_and_a_walk_in_racing_for_the_last_copy(postgres_only, make_member, librarian,
                                                       library, centre):
    """Whoever locks the title first wins; the loser sees a coherent refusal or queue."""
    copy = add_title(library, "Last copy", copies=[("B1", centre)]).copies.get()
    holder_user, holder = make_member("holder@example.org")
    _, walk_in = make_member("walkin@example.org")

    def place():
        return operations.place_hold(
            title=copy.title, membership=Membership.objects.get(pk=holder.pk),
            person=holder_user.person, pickup_branch=centre, channel=Channel.ONLINE,
            actor=holder_user, at=AT).pk

    def borrow():
        membership = Membership.objects.select_related("library", "person").get(pk=walk_in.pk)
        return operations.lend(membership=membership, person=membership.person,
                               copy=Copy.objects.get(pk=copy.pk), channel=Channel.DESK,
                               actor=User.objects.get(pk=librarian.pk), at=AT).pk

    for _ in range(5):
        hold_pk, loan = _race([place, borrow])
        copy.refresh_from_db()
        assert isinstance(hold_pk, int)
        if isinstance(loan, int):  # the walk-in locked first: the hold waits in the queue
            assert copy.loan_id == loan and not HoldReady.objects.filter(hold=hold_pk).exists()
        else:  # the hold locked first: the copy is set aside, the walk-in is refused
            assert loan == "item_waiting_for_someone_else"
            assert copy.waiting_for_id == hold_pk
        assert Hold.objects.filter(pk=hold_pk).count() == 1
        operations.cancel_hold(hold=Hold.objects.get(pk=hold_pk), actor=holder_user, at=AT)
        if isinstance(loan, int):
            operations.check_in(copy=Copy.objects.get(pk=copy.pk), branch=centre,
                                channel=Channel.DESK, actor=librarian, at=AT)
