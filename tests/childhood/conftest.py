from datetime import UTC, date, datetime

import pytest

from civicard.childhood.models import Activity, Unit, UnitPrice
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.territory.models import IncomeBracket
from civicard.wallets.models import PaymentMode, Service, ShortageRule

AT = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)  # Monday 2 February 2026, 10:00 in Paris
CLOSING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # February is over
MONDAY = date(2026, 2, 9)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded documents go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(make_login):
    return make_login("manager@example.org", role=Role.SERVICE_MANAGER)


@pytest.fixture
def make_service(territory):
    def make(slug="canteen", *, rule=ShortageRule.SERVE_AND_GO_NEGATIVE):
        return Service.objects.create(territory=territory, slug=slug, name=slug.title(),
                                      shortage_rule=rule,
                                      payment_mode=PaymentMode.PREPAID_WALLET)
    return make


@pytest.fixture
def make_activity(territory, make_service):
    def make(name="Canteen", *, kind="canteen", places=None, service=None, units=("Meal",),
             capacity=30, amount=350, **fields):
        activity = Activity.objects.create(
            territory=territory, service=service or make_service(name.lower().replace(" ", "-")),
            name=name, kind=kind, season_starts_on=date(2026, 1, 5),
            season_ends_on=date(2026, 7, 3), places=places, **fields)
        for unit_name in units:
            unit = Unit.objects.create(activity=activity, name=unit_name, capacity=capacity)
            UnitPrice.objects.create(unit=unit, amount_cents=amount, valid_from=date(2026, 1, 1))
        return activity
    return make


@pytest.fixture
def canteen(make_activity):
    return make_activity()


@pytest.fixture
def family(territory, make_login):
    """Amina (a login, guardian) with Yanis (2016) and Lina (2019)."""
    amina = make_login("amina@example.org", full_name="Amina Benali")
    household = Household.objects.create(
        territory=territory, income_bracket=IncomeBracket.objects.get(code="QF1"))
    Membership.objects.create(household=household, person=amina.person, is_guardian=True)
    yanis = Person.objects.create(full_name="Yanis Benali", birth_date=date(2016, 5, 1))
    lina = Person.objects.create(full_name="Lina Benali", birth_date=date(2019, 9, 1))
    for child in (yanis, lina):
        Membership.objects.create(household=household, person=child)
    return amina, household, yanis, lina


def make_family(territory, make_login, index):
    guardian = make_login(f"parent{index}@example.org")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=guardian.person, is_guardian=True)
    child = Person.objects.create(full_name=f"Kid{index} Family", birth_date=date(2018, 1, 1))
    Membership.objects.create(household=household, person=child)
    return guardian, household, child
