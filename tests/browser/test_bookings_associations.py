"""An association's editor books the meeting room in the association's name at 360 px, naming
a member; the manager's planning shows the association. axe-core checks every page."""

from datetime import timedelta
from urllib.parse import quote

from django.utils import timezone

from civicard.access.models import Facility
from civicard.bookings import queries
from civicard.bookings.models import Booking, Resource, WhoMayBook
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.core.permissions import Role
from civicard.mutualaid.models import Association
from civicard.people.models import Person
from tests.conftest import PASSWORD


def test_an_editor_books_the_meeting_room_for_the_choir(
        visitor, settings, territory, neighbourhood, make_login, make_household):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    now = timezone.now()
    north = territory.communes.get(name="Nordville")
    town_hall = Facility.objects.create(territory=territory, commune=north, name="Town hall",
                                        kind="other")
    room = Resource.objects.create(facility=town_hall, name="Meeting room",
                                   kind="meeting_room", opening_hours="24/7", slot_minutes=120,
                                   who_may_book=WhoMayBook.TERRITORY, capacity=20,
                                   associations_may_book=True)
    manager = make_login("boss@example.org", role=Role.SERVICE_MANAGER, full_name="Marc Boss")
    editor = make_login("choir@example.org", role=Role.ASSOCIATION_EDITOR,
                        full_name="Ahmed Benkacem")
    make_household(editor.person, neighbourhood=neighbourhood)
    choir = Association.objects.create(territory=territory, name="Chorale du Thouet",
                                       slug="chorale", presentation="Nous chantons.")
    choir.editors.add(editor)
    singer = Person.objects.create(full_name="Lucie Soprano")
    card = Card.objects.create(person=singer, kind="physical", number=codes.new_number(),
                               uid_hash=codes.uid_hash("04C0C0C0C0C001"), uid_hint="C001",
                               status="active", issued_at=now,
                               expires_on=now.date() + timedelta(days=900))
    slot = queries.next_free(room, after=now + timedelta(hours=3), now=now)[0]

    visitor.log_in(editor.email, PASSWORD)
    page = visitor.go(f"/book/{room.pk}/slot/?start={quote(slot.start.isoformat())}")
    page.select_option("select[name=association]", str(choir.pk))
    page.fill("input[name=companions]", card.number)
    visitor.screenshot("bookings-association-book")
    page.click("text=Pay and book")
    visitor.check()
    assert "on behalf of Chorale du Thouet" in page.locator("main").inner_text()
    booking = Booking.objects.get()
    assert (booking.association, booking.price_cents) == (choir, 0)
    assert list(booking.companions.values_list("person_id", flat=True)) == [singer.pk]

    page.click("form[action='/accounts/logout/'] button")
    visitor.log_in(manager.email, PASSWORD)
    day = timezone.localtime(slot.start).date().isoformat()
    page = visitor.go(f"/manage/bookings/{room.pk}/planning/?day={day}")
    assert "Chorale du Thouet" in page.locator("main").inner_text()
    visitor.screenshot("bookings-association-planning")
