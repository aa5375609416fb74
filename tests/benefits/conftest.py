from datetime import UTC, date, datetime

import pytest

from civicard.benefits import operations
from civicard.benefits.models import (
    Accreditation,
    BenefitKind,
    Booklet,
    BookletStatus,
    Funder,
    Grant,
    Programme,
    SocialService,
    StaffLink,
    Venue,
)
from civicard.cards import codes as card_codes
from civicard.cards.models import Card, CardKind, CardStatus
from civicard.core.permissions import Role
from civicard.people.models import Person

AT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)



@pytest.fixture
def funder(territory):
    return Funder.objects.create(territory=territory, name="Ville de Test")


@pytest.fixture
def ccas(territory):
    return SocialService.objects.create(territory=territory, name="CCAS de Test")


@pytest.fixture
def make_venue(territory):
    def make(name="Museum", **extra):
        return Venue.objects.create(territory=territory, name=name,
                                    opening_hours="Tu-Su 10:00-18:00", **extra)
    return make


@pytest.fixture
def entries_programme(funder):
    return Programme.objects.create(funder=funder, name="Free entries", kind=BenefitKind.ENTRIES,
                                    grant=Grant.MONTHLY, entries_per_month=2, per_venue_cap=1,
                                    starts_on=date(2026, 1, 1))


@pytest.fixture
def pass_programme(funder):
    return Programme.objects.create(funder=funder, name="Pass numérique", kind=BenefitKind.MONEY,
                                    grant=Grant.BOOKLETS, voucher_value_cents=1000,
                                    vouchers_per_booklet=5, starts_on=date(2026, 1, 1),
                                    ends_on=date(2026, 12, 31))


def accredit(programme, venue, services=(), active_from=date(2026, 1, 1), active_to=None):
    return Accreditation.objects.create(programme=programme, venue=venue,
                                        active_from=active_from, active_to=active_to,
                                        services=list(services))


@pytest.fixture
def venue_user(make_login):
    def make(venue, email=None):
        user = make_login(email or f"staff{venue.pk}@venue.test", role=Role.VENUE_STAFF)
        StaffLink.objects.create(user=user, venue=venue)
        return user
    return make


@pytest.fixture
def social_user(make_login):
    def make(service, email="social@ccas.test"):
        user = make_login(email, role=Role.SOCIAL_WORKER)
        StaffLink.objects.create(user=user, social_service=service)
        return user
    return make


@pytest.fixture
def funder_user(make_login, funder):
    user = make_login("funder@ville.test", role=Role.SERVICE_MANAGER)
    StaffLink.objects.create(user=user, funder=funder)
    return user


def make_card(person, uid):
    normalised = card_codes.normalise_uid(uid)
    return Card.objects.create(person=person, kind=CardKind.PHYSICAL,
                               number=card_codes.new_number(),
                               uid_hash=card_codes.uid_hash(normalised), uid_hint=normalised[-4:],
                               status=CardStatus.ACTIVE, issued_at=AT, activated_at=AT,
                               expires_on=date(2030, 1, 1))


@pytest.fixture
def holder(db):
    person = Person.objects.create(full_name="Odette Martin")
    make_card(person, "04A1B2C3D4E5F6")
    return person


def handed_out_booklet(pass_programme, ccas, count=1):
    batch = operations.create_booklets(programme=pass_programme, social_service=ccas,
                                       count=count, actor=None, at=AT)
    Booklet.objects.filter(batch=batch).update(status=BookletStatus.HANDED_OUT, handed_out_at=AT)
    return list(Booklet.objects.filter(batch=batch).order_by("pk"))
