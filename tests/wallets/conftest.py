from datetime import UTC, datetime

import pytest

from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.wallets import operations
from civicard.wallets.models import Account, PaymentMode, Service, ShortageRule

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def make_service(territory):
    def make(slug="pool", *, rule=ShortageRule.REFUSE, floor=None, commune=None,
             mode=PaymentMode.PREPAID_WALLET):
        return Service.objects.create(territory=territory, slug=slug, name=slug.title(),
                                      shortage_rule=rule, floor_cents=floor, commune=commune,
                                      payment_mode=mode)
    return make


@pytest.fixture
def household(territory):
    person = Person.objects.create(full_name="Hélène Dupuis")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    return household


@pytest.fixture
def manager(make_login):
    return make_login("manager@example.org", role=Role.SERVICE_MANAGER)


@pytest.fixture
def make_account(household, manager):
    """An account opened with `balance` by a manager's correction, as a real one would be."""
    def make(service, balance=0):
        account = Account.objects.create(household=household, service=service, currency="EUR",
                                         created_at=AT)
        if balance:
            operations.correct(account=account, amount_cents=balance, reason="opening",
                               idempotency_key=f"open-{account.pk}", actor=manager, at=AT)
        return account
    return make


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
