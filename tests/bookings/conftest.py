import secrets
from datetime import UTC, date, datetime

import pytest

from civicard.access.models import Checkpoint, Facility
from civicard.bookings.models import Resource, WhoMayBook
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.wallets import operations as wallets
from civicard.wallets.models import Service, Tariff

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
TOMORROW_18 = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)  # Tuesday 18:00 in Paris
UID = "04A1B2C3D4E5F6"


@pytest.fixture
def manager(make_login):
    return make_login("manager@example.org", role=Role.SERVICE_MANAGER)


def priced_service(territory, slug, name, *, use, visitor_cents, resident_cents):
    service = Service.objects.create(territory=territory, slug=slug, name=name)
    Tariff.objects.create(service=service, use=use, amount_cents=visitor_cents,
                          valid_from=date(2026, 1, 1), created_at=AT)
    Tariff.objects.create(service=service, use=use, amount_cents=resident_cents, resident=True,
                          valid_from=date(2026, 1, 1), created_at=AT)
    return service


def door_of_new_facility(territory, facility, kind, door, opening_hours):
    north = territory.communes.get(name="Nordville")
    place = Facility.objects.create(territory=territory, commune=north, name=facility, kind=kind)
    return Checkpoint.objects.create(facility=place, name=door, kind="door",
                                     opening_hours=opening_hours)


@pytest.fixture
def squash_service(territory):
    return priced_service(territory, "squash", "Squash", use="slot", visitor_cents=800,
                          resident_cents=500)


@pytest.fixture
def court_door(territory):
    return door_of_new_facility(territory, "Sports centre", "sports", "Squash door",
                                "Mo-Fr 09:00-12:00")


@pytest.fixture
def court(court_door, squash_service):
    resource = Resource.objects.create(
        facility=court_door.facility, name="Squash court 1", kind="court",
        service=squash_service, opening_hours="Mo-Su 08:00-22:00", slot_minutes=60,
        book_ahead_days=14, cancel_until_hours=24, max_future_bookings=2, max_companions=2,
        door_margin_minutes=10, who_may_book=WhoMayBook.TERRITORY)
    resource.checkpoints.set([court_door])
    return resource


def make_person(territory, name, *, neighbourhood=None, uid=None, household=None):
    from civicard.territory.models import Address

    person = Person.objects.create(full_name=name, language="fr", email=f"{name[:5]}@ex.org")
    if household is None:
        address = (Address.objects.create(street="1 rue Haute", postal_code="79000",
                                          neighbourhood=neighbourhood)
                   if neighbourhood is not None else None)
        household = Household.objects.create(territory=territory, address=address)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    person.household = household
    uid = uid or secrets.token_hex(7).upper()
    person.card = Card.objects.create(
        person=person, kind="physical", number=codes.new_number(),
        uid_hash=codes.uid_hash(uid), uid_hint=uid[-4:],
        status="active", issued_at=AT, expires_on=date(2030, 1, 1))
    return person


@pytest.fixture
def amina(territory, neighbourhood):
    return make_person(territory, "Amina Benali", neighbourhood=neighbourhood, uid=UID)


@pytest.fixture
def top_up(make_login):
    agent = make_login("counter@example.org", role=Role.COUNTER_AGENT)

    def fund(service, household, cents):
        account = wallets.open_account(household=household, service=service, at=AT)
        wallets.top_up(account=account, amount_cents=cents, means="cash", reason="opening",
                       idempotency_key=f"fund-{account.pk}-{cents}", actor=agent, at=AT)
        account.refresh_from_db()
        return account
    return fund


SATURDAY = date(2026, 3, 7)  # the hall is hired by the day at weekends, 09:00–23:00 in Paris
SUNDAY = date(2026, 3, 8)
HIRE_START = datetime(2026, 3, 7, 8, 0, tzinfo=UTC)  # Saturday 09:00 in Paris
HIRE_END = datetime(2026, 3, 8, 22, 0, tzinfo=UTC)  # Sunday 23:00 in Paris
AFTER_HIRE = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def rooms_service(territory):
    return priced_service(territory, "rooms", "Rooms", use="day", visitor_cents=6000,
                          resident_cents=4050)


@pytest.fixture
def hall_door(territory):
    return door_of_new_facility(territory, "Village hall", "other", "Hall door", "24/7")


@pytest.fixture
def hall(hall_door, rooms_service):
    resource = Resource.objects.create(
        facility=hall_door.facility, name="Salle des fêtes", kind="village_hall",
        service=rooms_service, price_use="day", opening_hours="Sa,Su 09:00-23:00",
        slot_minutes=840, book_ahead_days=120, door_margin_minutes=30,
        who_may_book=WhoMayBook.TERRITORY, by_request=True, capacity=80, deposit_cents=30000)
    resource.checkpoints.set([hall_door])
    return resource


@pytest.fixture
def hall_manager(make_login, territory):
    """A service manager for Nordville, the hall's commune."""
    return make_login("hall-manager@example.org", role=Role.SERVICE_MANAGER,
                      commune=territory.communes.get(name="Nordville"))


@pytest.fixture
def helper(territory, neighbourhood):
    return make_person(territory, "Bruno Helper", neighbourhood=neighbourhood)
