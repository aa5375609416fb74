from datetime import UTC, datetime, timedelta

import pytest

from civicard.agenda import operations
from civicard.agenda.models import Publisher
from civicard.core import clock
from civicard.core.permissions import Role
from civicard.territory.models import Neighbourhood

AT = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)  # a Monday, two weeks before the clocks go back


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False  # staff logins here test the agenda, not TOTP


@pytest.fixture
def now():
    with clock.frozen(AT):
        yield AT


@pytest.fixture
def hoods(territory):
    return {h.name: h for h in Neighbourhood.objects.all()}


@pytest.fixture
def town(territory, make_login):
    publisher = Publisher.objects.create(territory=territory, slug="town", name="Town hall",
                                         kind=Publisher.Kind.TOWN, language="fr")
    publisher.editors.add(make_login("press@example.org", full_name="Press Office"))
    return publisher


@pytest.fixture
def editor(town):
    return town.editors.get()


@pytest.fixture
def moderator(make_login):
    return make_login("moderator@example.org", role=Role.MODERATOR)


def details(**changes):
    values = dict(language="fr", texts={"fr": ("Concert au parc", "Orchestre municipal"),
                                        "en": ("Concert in the park", "Town orchestra")},
                  start=AT + timedelta(days=2), end=AT + timedelta(days=2, hours=2),
                  place_name="Parc des Eaux", categories=["music"])
    values.update(changes)
    return operations.EventDetails(**values)


@pytest.fixture
def publish(town, editor, now):
    def make(**changes):
        return operations.publish_event(publisher=town, details=details(**changes), actor=editor,
                                        at=now)
    return make


@pytest.fixture
def follower(make_login):
    def make(email, *, language="en", follows=(("category", "music"),)):
        user = make_login(email, language=language)
        for kind, value in follows:
            operations.follow(person=user.person, kind=kind, value=value, at=AT)
        return user.person
    return make
