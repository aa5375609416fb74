"""Bookings by associations: an editor books a resource open to associations in the
association's name; its members' cards open the door; managers see the association's name."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from civicard.access import terminals
from civicard.access.decisions import decide
from civicard.access.models import AccessChange
from civicard.bookings import operations
from civicard.bookings.models import Booking, Resource, Status, WhoMayBook
from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.mutualaid.models import Association
from civicard.people.models import Membership
from civicard.territory.models import Territory
from civicard.wallets.models import Account, LedgerEntry, Tariff

from .conftest import AT, TOMORROW_18, make_person

TUESDAY_20 = TOMORROW_18 + timedelta(hours=2)  # 21:00 in Paris: the door's hours are over


@pytest.fixture
def room(court_door, squash_service):
    """A meeting room behind the sports centre's door, open to associations (free for them),
    20 people at once."""
    resource = Resource.objects.create(
        facility=court_door.facility, name="Meeting room", kind="meeting_room",
        service=squash_service, opening_hours="Mo-Su 08:00-23:00", slot_minutes=120,
        book_ahead_days=30, max_future_bookings=1, max_companions=2, capacity=20,
        who_may_book=WhoMayBook.TERRITORY, associations_may_book=True)
    resource.checkpoints.set([court_door])
    return resource


@pytest.fixture
def choir(territory):
    return Association.objects.create(territory=territory, name="Chorale du Thouet",
                                      slug="chorale", presentation="Nous chantons.")


@pytest.fixture
def editor(make_login, amina, choir):
    """Amina's login, an editor of the choir."""
    user = make_login("amina@example.org", full_name="Amina Login")
    Membership.objects.create(household=amina.household, person=user.person, is_guardian=True)
    choir.editors.add(user)
    return user


def book(room, user, *, association, start=TOMORROW_18, key="a", at=AT, **kwargs):
    return operations.book(resource=room, person=user.person, start=start, idempotency_key=key,
                           actor=user, at=at, association=association, **kwargs)


def code_of(call) -> str:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value.code


def test_an_editor_books_for_the_association_free_and_its_members_enter(
        room, editor, choir, territory, court_door, manager):
    singer_uid = "04AA00000000A1"
    singers = [make_person(territory, f"Singer {n}", uid=singer_uid if n == 0 else None)
               for n in range(5)]
    booking = book(room, editor, association=choir,
                   card_numbers=[s.card.number for s in singers])
    assert (booking.association, booking.booked_by, booking.price_cents, booking.charge) == (
        choir, editor.person, 0, None)
    assert sorted(booking.companions.values_list("person_id", flat=True)) == sorted(
        s.pk for s in singers)  # more than the 2 companions of a household: up to capacity
    assert not LedgerEntry.objects.exists()
    terminal, _token = terminals.register_terminal(checkpoint=court_door, name="Room",
                                                   language="fr", actor=manager, at=AT)
    inside = TUESDAY_20 - timedelta(minutes=30)  # 20:30, the door's own hours are over
    allowed = decide.scan(terminal=terminal, credential=singer_uid, idempotency_key="s1",
                          at=inside, now=inside)
    assert (allowed["decision"], allowed["reason_code"]) == ("allow", "ok")
    after = booking.end + timedelta(minutes=1)
    refused = decide.scan(terminal=terminal, credential=singer_uid, idempotency_key="s2",
                          at=after, now=after)
    assert refused["reason_code"] != "ok"


def test_the_association_price_is_paid_from_the_editors_household_account(
        room, editor, choir, amina, top_up):
    Tariff.objects.create(service=room.service, use="association", amount_cents=300,
                          valid_from=date(2026, 1, 1), created_at=AT)
    room.association_price_use = "association"
    room.save()
    top_up(room.service, amina.household, 1000)
    booking = book(room, editor, association=choir)
    assert booking.price_cents == 300
    assert booking.charge.amount_cents == -300
    assert "Chorale du Thouet" in str(booking.charge.reason)
    assert Account.objects.get(household=amina.household).balance_cents == 700


def test_only_an_editor_books_for_the_association_and_a_refusal_changes_nothing(
        room, editor, choir, territory, neighbourhood, make_login, top_up):
    resident = make_login("resident@example.org")
    neighbour = make_person(territory, "Neighbour", neighbourhood=neighbourhood)
    Membership.objects.create(household=neighbour.household, person=resident.person)
    changes = AccessChange.objects.count()
    assert code_of(lambda: book(room, resident, association=choir)) == "permission_refused"
    assert code_of(lambda: operations.book(  # an editor's person, but someone else acting
        resource=room, person=editor.person, start=TOMORROW_18, idempotency_key="x",
        actor=resident, at=AT, association=choir)) == "permission_refused"
    assert (Booking.objects.count(), LedgerEntry.objects.count(),
            AccessChange.objects.count()) == (0, 0, changes)
    # an editor, but the resource is closed to associations
    room.associations_may_book = False
    room.save()
    assert code_of(lambda: book(room, editor, association=choir)) == "booking_not_allowed"
    room.associations_may_book = True
    room.save()
    # an association of another territory
    other = Territory.objects.create(name="Ailleurs", slug="ailleurs")
    elsewhere = Association.objects.create(territory=other, name="Club d'ailleurs",
                                           slug="ailleurs", presentation="x")
    elsewhere.editors.add(editor)
    assert code_of(lambda: book(room, editor, association=elsewhere)) == "booking_not_allowed"
    assert Booking.objects.count() == 0
    # the resident books for their own household as before
    top_up(room.service, neighbour.household, 1000)
    assert operations.book(resource=room, person=neighbour, start=TOMORROW_18,
                           idempotency_key="own", actor=resident, at=AT).association is None


def test_the_association_and_the_household_each_have_their_own_limit(room, editor, choir,
                                                                     amina, top_up):
    top_up(room.service, amina.household, 2000)
    own = operations.book(resource=room, person=editor.person, start=TOMORROW_18,
                          idempotency_key="own", actor=editor, at=AT)
    assert own.association is None
    later = TOMORROW_18 + timedelta(days=1)
    assert book(room, editor, association=choir, start=later).association == choir
    assert code_of(lambda: book(room, editor, association=choir, key="b",
                                start=later + timedelta(days=1))) == "booking_limit"
    assert code_of(lambda: operations.book(
        resource=room, person=editor.person, start=later + timedelta(days=1),
        idempotency_key="own2", actor=editor, at=AT)) == "booking_limit"


def test_a_retry_with_the_key_of_another_holder_is_a_conflict(room, editor, choir, amina,
                                                              top_up):
    top_up(room.service, amina.household, 2000)
    operations.book(resource=room, person=editor.person, start=TOMORROW_18,
                    idempotency_key="same", actor=editor, at=AT)
    assert code_of(lambda: book(room, editor, association=choir, key="same")) \
        == "idempotency_conflict"


def test_another_editor_cancels_and_a_stranger_cannot(room, editor, choir, territory,
                                                      neighbourhood, make_login):
    booking = book(room, editor, association=choir)
    stranger = make_login("stranger@example.org")
    Membership.objects.create(household=make_person(territory, "S", neighbourhood=neighbourhood)
                              .household, person=stranger.person)
    assert code_of(lambda: operations.cancel(booking=booking, person=stranger.person,
                                             actor=stranger, at=AT)) == "permission_refused"
    other_editor = make_login("bass@example.org")
    choir.editors.add(other_editor)
    cancelled = operations.cancel(booking=booking, person=other_editor.person,
                                  actor=other_editor, at=AT)
    assert cancelled.status == Status.CANCELLED


def test_the_book_page_offers_the_association_and_the_planning_names_it(
        client, settings, room, editor, choir, manager):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(editor)
    link = reverse("bookings:book", args=[room.pk])
    with clock.frozen(AT):
        form = client.get(link, {"start": TOMORROW_18.isoformat()})
        assert "Chorale du Thouet" in form.content.decode()
        done = client.post(link, {"start": TOMORROW_18.isoformat(), "association": choir.pk,
                                  "idempotency_key": form.context["key"], "companions": ""})
        assert done.status_code == 302
        assert Booking.objects.get().association == choir
        assert "Chorale du Thouet" in client.get(reverse("bookings:mine")).content.decode()
        client.force_login(manager)
        planning = client.get(reverse("bookings:planning", args=[room.pk]),
                              {"day": "2026-03-03"}).content.decode()
    assert "Chorale du Thouet" in planning


def test_the_book_page_of_a_resource_closed_to_associations_offers_none(
        client, court, editor, choir):
    client.force_login(editor)
    with clock.frozen(AT):
        form = client.get(reverse("bookings:book", args=[court.pk]),
                          {"start": TOMORROW_18.isoformat()})
    assert "association" not in form.context["form"].fields


def test_the_api_books_for_an_association(client, room, editor, choir):
    client.force_login(editor)
    with clock.frozen(AT):
        created = client.post("/api/bookings", {
            "resource": room.pk, "start": TOMORROW_18.isoformat(), "association": choir.pk,
            "idempotency_key": "api-1"}, content_type="application/json")
        assert created.status_code == 201
        assert created.json()["association"] == choir.pk
        unknown = client.post("/api/bookings", {
            "resource": room.pk, "start": (TOMORROW_18 + timedelta(days=1)).isoformat(),
            "association": 99999, "idempotency_key": "api-2"}, content_type="application/json")
    assert unknown.status_code == 404

