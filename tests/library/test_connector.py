"""The connector as a SIP2 client, against Civicard's own SIP2 server as the other side."""

import socket

import pytest
from django.core.cache import cache

from civicard.library import connector
from civicard.library.models import LendingSystem, Library, Membership
from civicard.providers.library_systems import Connection, Sip2System

from .conftest import AT, add_title, lend
from .test_sip2 import PASSWORD, kiosk, manager, server  # noqa: F401 - fixtures


@pytest.mark.django_db(transaction=True)
def test_round_trip_through_real_sockets(postgres_only, server, kiosk, amina,  # noqa: F811
                                         librarian, library, centre):
    copy = add_title(library, "Persepolis", copies=[("B7", centre)]).copies.get()
    lend(amina[1], copy, librarian)
    add_title(library, "Maus", copies=[("B8", centre)])
    system = Sip2System(Connection(host="127.0.0.1", port=server, login="kiosk1",
                                   password=PASSWORD, institution=library.code))
    account = system.patron_account(amina[1].number)
    assert account.known
    assert [(loan.barcode, loan.title, loan.due_on.isoformat()) for loan in account.loans] == [
        ("B7", "Persepolis", "2026-03-31")]
    assert system.item_status("B7").available is False
    assert system.place_hold(amina[1].number, "B7", "centre") is False  # she has it already
    assert system.place_hold(amina[1].number, "B8", "centre") is True
    assert system.patron_account(amina[1].number).holds == ["Maus"]
    assert system.patron_account("nobody").known is False


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_an_unreachable_system_is_said_plainly(amina, territory, centre):
    other = Library.objects.create(territory=territory, name="Bibliothèque Koha", code="koha",
                                   system=LendingSystem.SIP2, sip2_host="127.0.0.1",
                                   sip2_port=_closed_port(), sip2_login="civicard")
    branch = other.branches.create(code="main", name="Main")
    membership = Membership.objects.create(library=other, person=amina[0].person, number="K1",
                                           home_branch=branch, starts_on=AT.date(),
                                           ends_on=AT.date().replace(year=2027), created_at=AT)
    [account] = connector.accounts_of([membership])
    assert account.error == ("The library's own system does not answer right now. Please try "
                             "again later.")


@pytest.mark.django_db
def test_the_dummy_system_answers_in_development_and_never_in_production(
        amina, territory, settings):
    other = Library.objects.create(territory=territory, name="Test system", code="dummy",
                                   system=LendingSystem.DUMMY)
    branch = other.branches.create(code="main", name="Main")
    membership = Membership.objects.create(library=other, person=amina[0].person, number="D1",
                                           home_branch=branch, starts_on=AT.date(),
                                           ends_on=AT.date().replace(year=2027), created_at=AT)
    [account] = connector.accounts_of([membership])
    assert (account.error, account.loans) == ("", [])
    settings.PRODUCTION = True
    cache.clear()
    [account] = connector.accounts_of([membership])
    assert account.error == ("The library's own system does not answer right now. Please try "
                             "again later.")
