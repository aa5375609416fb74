from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civicard.bookings.models import Block, Booking, CalendarFeed, Resource, Status
from civicard.core import clock
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people.models import Membership

from .conftest import AT, TOMORROW_18, make_person


@pytest.fixture
def frozen(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False  # staff log in without a second factor here
    with clock.frozen(AT):
        yield


@pytest.fixture
def amina_login(client, amina, make_login, top_up, court):
    user = make_login("amina@example.org", full_name="Amina Login")
    # the logged-in person joins Amina's household (the person of the account)
    Membership.objects.create(household=amina.household, person=user.person, is_guardian=True)
    top_up(court.service, amina.household, 2000)
    client.force_login(user)
    return user


def _start(at=TOMORROW_18):
    return at.isoformat()


def test_three_taps_find_book_and_see_the_booking(client, frozen, amina_login, court):
    page = client.get(reverse("bookings:resources"))
    assert page.status_code == 200
    assert court.name in page.content.decode()
    link = reverse("bookings:book", args=[court.pk])
    assert link in page.content.decode()
    form = client.get(link, {"start": _start()})
    assert form.status_code == 200
    assert "5,00" in form.content.decode() or "5.00" in form.content.decode()
    key = form.context["key"]
    done = client.post(link, {"start": _start(), "idempotency_key": key, "companions": ""})
    assert done.status_code == 302 and done.url == reverse("bookings:mine")
    again = client.post(link, {"start": _start(), "idempotency_key": key, "companions": ""})
    assert again.status_code == 302  # a second press repeats the same booking
    assert Booking.objects.count() == 1
    mine = client.get(reverse("bookings:mine"))
    assert court.name in mine.content.decode()
    assert "16:50" not in mine.content.decode()  # local time: the door opens at 17:50
    assert "17:50" in mine.content.decode()


def test_a_taken_slot_says_so_and_offers_the_next_free_ones(client, frozen, amina_login, court,
                                                           territory, neighbourhood, top_up):
    from civicard.bookings import operations

    other = make_person(territory, "Bruno Other", neighbourhood=neighbourhood)
    top_up(court.service, other.household, 2000)
    operations.book(resource=court, person=other, start=TOMORROW_18, idempotency_key="x",
                    actor=None, at=AT)
    link = reverse("bookings:book", args=[court.pk])
    page = client.post(link, {"start": _start(), "idempotency_key": "y"})
    assert page.status_code == 200
    assert "Someone has just taken this slot" in page.content.decode()
    assert [s.start for s in page.context["next_free"]] == [
        TOMORROW_18 + timedelta(hours=n) for n in (1, 2, 3)]
    assert "Bruno" not in client.get(reverse("bookings:week", args=[court.pk])).content.decode()


def test_bad_input_never_breaks_a_page(client, frozen, amina_login, court):
    link = reverse("bookings:book", args=[court.pk])
    assert client.get(link, {"start": "not-a-date"}).status_code == 404
    assert client.get(link).status_code == 404
    page = client.post(link, {"start": (AT - timedelta(hours=1)).isoformat(),
                              "idempotency_key": "z"})
    assert page.status_code == 200 and "already begun" in page.content.decode()
    assert client.get(reverse("bookings:week", args=[court.pk]),
                      {"from": "2026-99-99"}).status_code == 200
    assert client.get(reverse("bookings:week", args=[999999])).status_code == 404
    assert Booking.objects.count() == 0


def test_cancel_from_my_bookings_and_ics(client, frozen, amina_login, court, amina):
    from civicard.bookings import operations

    booking = operations.book(resource=court, person=amina, start=TOMORROW_18,
                              idempotency_key="a", actor=None, at=AT)
    ics = client.get(reverse("bookings:booking_ics", args=[booking.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content and b"Squash court 1" in ics.content
    response = client.post(reverse("bookings:cancel", args=[booking.pk]))
    assert response.status_code == 302
    assert Booking.objects.get().status == Status.CANCELLED


def test_the_household_feed_is_secret_and_renewable(client, frozen, amina_login, court, amina):
    from civicard.bookings import operations

    operations.book(resource=court, person=amina, start=TOMORROW_18, idempotency_key="a",
                    actor=None, at=AT)
    client.post(reverse("bookings:renew_feed"))
    token = CalendarFeed.objects.get().token
    client.logout()
    feed = client.get(reverse("bookings:household_feed", args=[token]))
    assert feed.status_code == 200 and feed.content.count(b"BEGIN:VEVENT") == 1
    assert client.get(reverse("bookings:household_feed", args=["guess"])).status_code == 404
    busy = client.get(reverse("bookings:busy_feed", args=[court.pk]))
    assert busy.content.count(b"BEGIN:VEVENT") == 1
    assert b"Amina" not in busy.content and b"Benali" not in busy.content


def test_someone_else_cannot_see_or_cancel_a_booking(client, frozen, court, amina, make_login,
                                                     top_up):
    from civicard.bookings import operations

    top_up(court.service, amina.household, 2000)
    booking = operations.book(resource=court, person=amina, start=TOMORROW_18,
                              idempotency_key="a", actor=None, at=AT)
    client.force_login(make_login("other@example.org"))
    assert client.get(reverse("bookings:booking_ics", args=[booking.pk])).status_code == 404
    assert client.post(reverse("bookings:cancel", args=[booking.pk])).status_code == 404
    assert Booking.objects.get().status == Status.CONFIRMED


@pytest.mark.parametrize("url", ["bookings:manage", "bookings:resource_new"])
def test_manager_pages_are_for_managers(client, frozen, url, resident, manager):
    client.force_login(resident)
    assert client.get(reverse(url)).status_code == 403
    client.force_login(manager)
    assert client.get(reverse(url)).status_code == 200


def test_managers_see_only_their_communes_and_planning_reads_are_audited(
        client, frozen, court, amina, make_login, top_up, territory):
    from civicard.bookings import operations

    top_up(court.service, amina.household, 2000)
    operations.book(resource=court, person=amina, start=TOMORROW_18, idempotency_key="a",
                    actor=None, at=AT)
    south = make_login("south@example.org", role=Role.SERVICE_MANAGER,
                       commune=territory.communes.get(name="Sudville"))
    client.force_login(south)
    assert court.name not in client.get(reverse("bookings:manage")).content.decode()
    planning = reverse("bookings:planning", args=[court.pk])
    assert client.get(planning).status_code == 404
    booking = Booking.objects.get()
    client.post(reverse("bookings:manager_cancel", args=[booking.pk]), {"reason": "x"})
    assert Booking.objects.get().status == Status.CONFIRMED
    north = make_login("north@example.org", role=Role.SERVICE_MANAGER,
                       commune=territory.communes.get(name="Nordville"))
    client.force_login(north)
    page = client.get(planning, {"day": "2026-03-03"})
    assert "Amina Benali" in page.content.decode()
    assert AuditLogEntry.objects.filter(action="booking.planning_viewed",
                                        actor=north).count() == 1
    client.post(reverse("bookings:manager_cancel", args=[booking.pk]), {"reason": "Roof"})
    assert Booking.objects.get().cancel_reason == "Roof"


def test_a_manager_creates_a_resource_and_a_block(client, frozen, manager, court_door,
                                                  squash_service):
    client.force_login(manager)
    data = {"facility": court_door.facility.pk, "name": "Squash court 2", "kind": "court",
            "checkpoints": [court_door.pk], "service": squash_service.pk, "price_use": "slot",
            "slot_minutes": 45, "opening_hours": "Mo-Fr 08:00-22:00", "book_ahead_days": 7,
            "book_until_minutes": 0, "cancel_until_hours": 12, "max_future_bookings": 2,
            "max_companions": 3, "door_margin_minutes": 10, "who_may_book": "territory",
            "no_shows_to_bar": 0, "no_show_days": 90, "is_active": "on"}
    bad = client.post(reverse("bookings:resource_new"), {**data, "opening_hours": "sometimes"})
    assert bad.status_code == 200 and "OpenStreetMap" in bad.content.decode()
    assert not Resource.objects.filter(name="Squash court 2").exists()
    response = client.post(reverse("bookings:resource_new"), data)
    resource = Resource.objects.get(name="Squash court 2")
    assert response.url == reverse("bookings:resource", args=[resource.pk])
    assert list(resource.checkpoints.all()) == [court_door]
    client.post(reverse("bookings:block_add", args=[resource.pk]),
                {"weekday": 1, "starts": "08:00", "ends": "12:00", "reason": "School"})
    assert Block.objects.get(resource=resource).reason == "School"


def test_the_planning_shows_a_day_or_the_week_with_blocks(client, frozen, court, amina, manager,
                                                          top_up):
    from civicard.bookings import operations

    top_up(court.service, amina.household, 2000)
    operations.book(resource=court, person=amina, start=TOMORROW_18, idempotency_key="a",
                    actor=None, at=AT)
    Block.objects.create(resource=court, weekday=2, starts="08:00", ends="12:00",
                         reason="Collège (EPS)")
    client.force_login(manager)
    planning = reverse("bookings:planning", args=[court.pk])
    monday = client.get(planning, {"day": "2026-03-02"}).content.decode()
    week = client.get(planning, {"day": "2026-03-02", "span": "week"})
    assert "Amina Benali" not in monday
    assert "Amina Benali" in week.content.decode()
    assert week.context["days"] == 7 and len(week.context["grid"]) == 7
    school = [slot.state for slot in week.context["grid"][2].slots  # Wednesday
              if 8 <= timezone.localtime(slot.start).hour < 12]
    assert school == ["blocked"] * 4
    assert AuditLogEntry.objects.filter(action="booking.planning_viewed").count() == 2
