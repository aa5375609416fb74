from datetime import date

import pytest

from civicard.people.models import Membership, Person
from civicard.territory.models import Address, Commune, IncomeBracket, Neighbourhood
from civicard.wallets import operations
from civicard.wallets.exceptions import NoTariff
from civicard.wallets.models import Account
from civicard.wallets.queries import enrolment_for, price_for

from .conftest import AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def brackets(territory):
    qf1 = IncomeBracket.objects.get(code="QF1")
    qf2 = IncomeBracket.objects.create(territory=territory, code="QF2", label="QF 2",
                                       quotient_max=900)
    return qf1, qf2


def test_the_tariff_in_force_depends_on_date_bracket_and_residency(make_service, household,
                                                                   brackets, manager):
    qf1, qf2 = brackets
    north = Commune.objects.get(name="Nordville")
    canteen = make_service("canteen", commune=north)
    for bracket, resident, cents, since in [
            (None, False, 480, date(2025, 1, 1)), (qf1, True, 80, date(2025, 1, 1)),
            (qf1, True, 90, date(2026, 1, 1)), (qf2, True, 180, date(2026, 1, 1)),
            (None, True, 390, date(2026, 1, 1))]:
        operations.add_tariff(service=canteen, use="meal", income_bracket=bracket,
                              resident=resident, amount_cents=cents, valid_from=since,
                              actor=manager, at=AT)
    assert price_for(service=canteen, household=household, on=date(2026, 3, 2),
                     use="meal") == 480  # no address: not a resident
    household.address = Address.objects.create(
        street="1 rue", postal_code="79000", neighbourhood=Neighbourhood.objects.get(
            name="Centre"))
    household.income_bracket = qf1
    household.save()
    assert price_for(service=canteen, household=household, on=date(2026, 3, 2),
                     use="meal") == 90
    assert price_for(service=canteen, household=household, on=date(2025, 6, 1),
                     use="meal") == 80  # the history is kept
    household.income_bracket = None
    assert price_for(service=canteen, household=household, on=date(2026, 3, 2),
                     use="meal") == 390
    with pytest.raises(NoTariff):
        price_for(service=canteen, household=household, on=date(2024, 1, 1), use="meal")


def test_enrolment_conditions_dates_age_and_commune(make_service, household, manager):
    pool = make_service("pool")
    child = Person.objects.create(full_name="Tom Dupuis", birth_date=date(2018, 5, 1))
    Membership.objects.create(household=household, person=child)
    enrolment = operations.enrol(service=pool, household=household, starts_on=date(2026, 1, 1),
                                 ends_on=date(2026, 6, 30), min_age=6, max_age=11,
                                 actor=manager, at=AT)
    assert Account.objects.filter(household=household, service=pool).count() == 1
    assert enrolment_for(service=pool, person=child, on=date(2026, 3, 1)) == enrolment
    assert enrolment_for(service=pool, person=child, on=date(2026, 7, 1)) is None
    assert enrolment_for(service=pool, person=child, on=date(2024, 3, 1)) is None
    guardian = household.memberships.get(is_guardian=True).person  # no birth date: no age
    assert enrolment_for(service=pool, person=guardian, on=date(2026, 3, 1)) is None
    library = make_service("library", mode="free")
    only_south = operations.enrol(service=library, person=guardian, starts_on=date(2026, 1, 1),
                                  resident_of=Commune.objects.get(name="Sudville"),
                                  actor=manager, at=AT)
    assert enrolment_for(service=library, person=guardian, on=date(2026, 3, 1)) is None
    household.address = Address.objects.create(
        street="2 quai", postal_code="79000", neighbourhood=Neighbourhood.objects.get(
            name="Le Port"))
    household.save()
    assert enrolment_for(service=library, person=guardian, on=date(2026, 3, 1)) == only_south
    assert not Account.objects.filter(service=library).exists()  # free: no wallet
