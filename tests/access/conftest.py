from datetime import UTC, date, datetime

import pytest

from civicard.access import terminals
from civicard.access.decisions import decide
from civicard.access.models import Checkpoint, Facility, Terminal
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person, RoleAssignment, User
from civicard.wallets import operations as wallets
from civicard.wallets.models import (
    Enrolment,
    PaymentMode,
    Service,
    ShortageRule,
    Tariff,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
UID = "04A1B2C3D4E5F6"



@pytest.fixture
def manager(make_login):
    return make_login("manager@example.org", role=Role.SERVICE_MANAGER)


@pytest.fixture
def make_service(territory):
    def make(slug="pool", *, rule=ShortageRule.REFUSE, mode=PaymentMode.PREPAID_WALLET,
             floor=None):
        return Service.objects.create(territory=territory, slug=slug, name=slug.title(),
                                      shortage_rule=rule, payment_mode=mode, floor_cents=floor)
    return make


@pytest.fixture
def pool_service(make_service):
    service = make_service("pool")
    Tariff.objects.create(service=service, use="entry", amount_cents=350,
                          valid_from=date(2026, 1, 1), created_at=AT)
    return service


@pytest.fixture
def make_checkpoint(territory):
    def make(service=None, *, name="Turnstile", hours="24/7", charge_use="", passback=None,
             facility_name="Pool", kind="turnstile"):
        facility, _ = Facility.objects.get_or_create(territory=territory, name=facility_name,
                                                     defaults={"kind": "pool"})
        return Checkpoint.objects.create(facility=facility, name=name, kind=kind,
                                         service=service, opening_hours=hours,
                                         charge_use=charge_use, passback_seconds=passback)
    return make


@pytest.fixture
def make_terminal(manager):
    def make(checkpoint, *, name="T1", language="fr"):
        return terminals.register_terminal(checkpoint=checkpoint, name=name,
                                           language=language, actor=manager, at=AT)
    return make


@pytest.fixture
def holder(territory):
    """Amina, guardian of a household, with a physical and a digital card."""
    person = Person.objects.create(full_name="Amina Benali", language="ar")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    person.household = household
    person.physical = Card.objects.create(
        person=person, kind="physical", number=codes.new_number(),
        uid_hash=codes.uid_hash(UID), uid_hint=UID[-4:], status="active", issued_at=AT,
        expires_on=date(2030, 1, 1))
    person.digital = Card.objects.create(
        person=person, kind="digital", number=codes.new_number(), secret=codes.new_secret(),
        status="active", issued_at=AT, expires_on=date(2030, 1, 1))
    return person


def enrol(service, person=None, household=None):
    return Enrolment.objects.create(service=service, person=person, household=household,
                                    starts_on=date(2026, 1, 1), created_at=AT)


def fund(service, household, balance):
    """The household's account, opened with `balance` by a manager's correction."""
    account = wallets.open_account(household=household, service=service, at=AT)
    if balance:
        treasurer, created = User.objects.get_or_create(email="treasurer@example.org")
        if created:
            RoleAssignment.objects.create(user=treasurer, role=Role.SERVICE_MANAGER)
        wallets.correct(account=account, amount_cents=balance, reason="opening",
                        idempotency_key=f"open-{account.pk}", actor=treasurer, at=AT)
    return account


def scan(terminal: Terminal, credential=UID, key="k1", at=AT, now=None):
    return decide.scan(terminal=terminal, credential=credential, idempotency_key=key,
                       at=at, now=now or at)
