import os
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person, RoleAssignment, User
from civicard.territory.models import Address, Commune, IncomeBracket, Neighbourhood, Territory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in browser tests
PASSWORD = "a-Long-test-passw0rd"


@pytest.fixture(autouse=True)
def _immediate_tasks_and_plain_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Reports read the primary, as on one server; tests/core/test_routers.py turns the replica on.
    settings.CIVICARD_REPORTS_DATABASE = "default"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.CIVICARD_DEFAULT_LANGUAGE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # rate-limit counters must not leak from one test to the next


@pytest.fixture(autouse=True)
def _english_first():
    """A request leaves its language active on the thread: each test starts from English."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races real connections: runs in the PostgreSQL pass of `make test`")


@pytest.fixture
def territory(db):
    territory = Territory.objects.create(name="Val-de-Test", slug="val-de-test")
    north = Commune.objects.create(territory=territory, name="Nordville", official_code="79001")
    south = Commune.objects.create(territory=territory, name="Sudville", official_code="79002")
    Neighbourhood.objects.create(commune=north, name="Centre", centre_latitude="46.1",
                                 centre_longitude="-0.2")
    Neighbourhood.objects.create(commune=north, name="Les Tours", centre_latitude="46.2",
                                 centre_longitude="-0.3", is_priority=True, qpv_code="QN07901M")
    Neighbourhood.objects.create(commune=south, name="Le Port", centre_latitude="46.0",
                                 centre_longitude="-0.1")
    IncomeBracket.objects.create(territory=territory, code="QF1", label="QF 1", quotient_max=500)
    return territory


@pytest.fixture
def neighbourhood(territory):
    return Neighbourhood.objects.get(name="Centre")


@pytest.fixture
def make_login(db):
    def make(email, *, role=None, commune=None, full_name=None, language="en"):
        admin = role == Role.ADMINISTRATOR  # the Django admin is for administrators
        user = User.objects.create_user(email, PASSWORD, is_staff=admin, is_superuser=admin)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Person.objects.create(user=user, full_name=full_name or email.split("@")[0].title(),
                              language=language, email=email)
        if role:
            RoleAssignment.objects.create(user=user, role=role, commune=commune)
        return user

    return make


@pytest.fixture
def make_household(territory):
    def make(guardian: Person, *, neighbourhood=None, children=()):
        address = None
        if neighbourhood is not None:
            address = Address.objects.create(street="1 rue Haute", postal_code="79000",
                                             neighbourhood=neighbourhood)
        household = Household.objects.create(territory=territory, address=address)
        Membership.objects.create(household=household, person=guardian, is_guardian=True)
        for name in children:
            child = Person.objects.create(full_name=name, birth_date=date(2015, 1, 1))
            Membership.objects.create(household=household, person=child)
        return household

    return make


@pytest.fixture
def resident(make_login):
    return make_login("resident@example.org", full_name="Rosa Parkinson")


@pytest.fixture
def agent(make_login):
    return make_login("agent@example.org", role=Role.COUNTER_AGENT, full_name="Agent Smith")
