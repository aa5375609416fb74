"""A resident books the squash court in three taps at 360 px, enters with the card — the door
is closed to the public, and the reader opens for the slot online and with the network down —
cancels and is refunded; the manager reads the planning. axe-core checks every page."""

import secrets
from datetime import date, timedelta

from django.utils import timezone

from civicard.access import terminals
from civicard.access.models import Checkpoint, Facility
from civicard.bookings import operations, queries
from civicard.bookings.models import Booking, Resource, Status
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.core.permissions import Role
from civicard.simulator.terminal import Simulator, http_transport
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account, Service, Tariff
from tests.conftest import PASSWORD

UID = "04B00C1A5E0001"


def _court(territory, manager):
    north = territory.communes.get(name="Nordville")
    centre = Facility.objects.create(territory=territory, commune=north, name="Sports centre",
                                     kind="sports")
    door = Checkpoint.objects.create(facility=centre, name="Squash door", kind="door",
                                     opening_hours="off")  # never open without a booking
    service = Service.objects.create(territory=territory, slug="squash", name="Squash")
    Tariff.objects.create(service=service, use="slot", amount_cents=700,
                          valid_from=date(2020, 1, 1), created_at=timezone.now())
    court = Resource.objects.create(facility=centre, name="Squash court 1", kind="court",
                                    service=service, opening_hours="24/7", slot_minutes=60,
                                    door_margin_minutes=60, cancel_until_hours=0)
    court.checkpoints.set([door])
    _terminal, token = terminals.register_terminal(checkpoint=door, name="Court door",
                                                language="en", actor=manager,
                                                at=timezone.now())
    return court, token


def test_resident_books_enters_cancels_and_manager_reads_the_planning(
        visitor, settings, territory, neighbourhood, make_login, make_household):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    now = timezone.now()
    manager = make_login("boss@example.org", role=Role.SERVICE_MANAGER, full_name="Marc Boss")
    agent = make_login("desk@example.org", role=Role.COUNTER_AGENT)
    court, token = _court(territory, manager)
    resident = make_login("amina@example.org", full_name="Amina Benali")
    household = make_household(resident.person, neighbourhood=neighbourhood)
    Card.objects.create(person=resident.person, kind="physical", number=codes.new_number(),
                        uid_hash=codes.uid_hash(UID), uid_hint=UID[-4:], status="active",
                        issued_at=now, expires_on=now.date() + timedelta(days=900))
    account = wallets.open_account(household=household, service=court.service, at=now)
    wallets.top_up(account=account, amount_cents=2000, means="cash", reason="desk",
                   idempotency_key=secrets.token_hex(8), actor=agent, at=now)

    visitor.log_in(resident.email, PASSWORD)
    page = visitor.go("/")
    page.click("text=Book a court or a room")  # tap 1
    visitor.check()
    visitor.screenshot("bookings-find")
    page.locator("a.slot-free").first.click()  # tap 2
    visitor.check()
    assert "7.00" in page.content() or "7,00" in page.content()
    page.click("text=Pay and book")  # tap 3
    visitor.check()
    assert "Booked. Your card opens the door for this slot." in page.content()
    visitor.screenshot("bookings-mine")
    booking = Booking.objects.get()
    assert booking.status == Status.CONFIRMED
    assert Account.objects.get(pk=account.pk).balance_cents == 1300

    week = visitor.go(f"/book/{court.pk}/")
    assert "yours" in week.content()
    visitor.screenshot("bookings-week")

    sim = Simulator(transport=http_transport(visitor.base_url), token=token)
    assert sim.scan(UID)["reason_code"] == "ok"  # the door opens an hour before the slot
    sim.sync()
    sim.offline = True  # the network is down: the reader's list has the slot
    assert (sim.scan(UID)["decision"], sim.scan(UID)["offline"]) == ("allow", True)
    sim.offline = False
    assert sim.upload()["recorded"] == 2

    page = visitor.go("/me/bookings/")
    page.click("main button.button-danger")
    visitor.check()
    assert "Cancelled and refunded." in page.content()
    assert Account.objects.get(pk=account.pk).balance_cents == 2000
    assert sim.scan(UID)["reason_code"] == "closed"
    sim.sync()  # the delta takes the card off the list
    sim.offline = True
    assert sim.scan(UID)["decision"] == "deny"
    sim.offline = False

    later = queries.next_free(court, after=timezone.now() + timedelta(hours=2),
                              now=timezone.now())[0]
    operations.book(resource=court, person=resident.person, start=later.start,
                    idempotency_key="later", actor=resident, at=timezone.now())
    page.click("form[action='/accounts/logout/'] button")
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go("/")
    page.click("text=Bookable resources")
    visitor.check()
    page.click("text=Planning")
    visitor.check()
    day = timezone.localtime(later.start).date().isoformat()
    page = visitor.go(f"/manage/bookings/{court.pk}/planning/?day={day}")
    assert "Amina Benali" in page.locator("main").inner_text()
    visitor.screenshot("bookings-planning")
    page = visitor.go("/access/log/")  # the live log names the booking that opened the door
    assert f"(booking no. {booking.pk})" in page.locator("main").inner_text()
    visitor.screenshot("bookings-door-log")
