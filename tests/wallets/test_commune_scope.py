"""A service manager of some communes manages their services only; a service of no commune
belongs to the whole territory and is managed by territory-wide managers (decision 0010)."""

import pytest
from django.urls import reverse

from civicard.core.errors import PermissionRefused
from civicard.core.permissions import Role
from civicard.territory.models import Commune
from civicard.wallets import operations
from civicard.wallets.models import ShortageRule, Tariff

from .conftest import AT

pytestmark = pytest.mark.django_db

# role, commune of the role (None: territory-wide), may manage (territory-wide, Nordville)
MATRIX = [
    (Role.ADMINISTRATOR, None, (True, True)),
    (Role.SERVICE_MANAGER, None, (True, True)),
    (Role.SERVICE_MANAGER, "Nordville", (False, True)),
    (Role.SERVICE_MANAGER, "Sudville", (False, False)),
    (Role.COUNTER_AGENT, None, (False, False)),
]


@pytest.fixture
def services(make_service, make_account):
    everywhere = make_service("pool")
    north = make_service("canteen", commune=Commune.objects.get(name="Nordville"))
    return {"everywhere": everywhere, "north": north,
            "accounts": {"everywhere": make_account(everywhere, balance=1000),
                         "north": make_account(north, balance=1000)}}


@pytest.fixture(params=MATRIX, ids=lambda row: f"{row[0]}-{row[1] or 'territory'}")
def actor(request, make_login):
    role, commune, allowed = request.param
    user = make_login(f"{role}@example.org", role=role,
                      commune=Commune.objects.get(name=commune) if commune else None)
    user.role = role
    return user, dict(zip(["everywhere", "north"], allowed, strict=True))


WRITES = {
    "save_service": lambda service, account, user: operations.save_service(
        service=service, actor=user, at=AT),
    "add_tariff": lambda service, account, user: operations.add_tariff(
        service=service, use="entry", income_bracket=None, resident=None, amount_cents=300,
        valid_from=AT.date(), actor=user, at=AT),
    "correct": lambda service, account, user: operations.correct(
        account=account, amount_cents=-100, reason="Counted twice", idempotency_key="fix-1",
        actor=user, at=AT),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("which", ["everywhere", "north"])
def test_service_writes_follow_the_commune_of_the_service(services, actor, write, which):
    user, allowed = actor
    service, account = services[which], services["accounts"][which]
    if allowed[which]:
        WRITES[write](service, account, user)
    else:
        with pytest.raises(PermissionRefused):
            WRITES[write](service, account, user)
        assert not Tariff.objects.filter(service=service).exists()
        account.refresh_from_db()
        assert account.balance_cents == 1000


def test_service_pages_follow_the_commune_of_the_service(client, services, actor):
    user, allowed = actor
    client.force_login(user)
    listing = client.get(reverse("wallets:manage_services"))
    holds = user.role in (Role.ADMINISTRATOR, Role.SERVICE_MANAGER)
    assert listing.status_code == (200 if holds else 403)
    for which in ("everywhere", "north"):
        service = services[which]
        page = client.get(reverse("wallets:manage_service", args=[service.pk]))
        assert page.status_code == (200 if allowed[which] else 403)
        shown = f'href="{reverse("wallets:manage_service", args=[service.pk])}"'
        assert (shown in listing.content.decode()) == allowed[which]
        posted = client.post(reverse("wallets:manage_service", args=[service.pk]), {
            "form": "service", "name": "Renamed", "slug": service.slug,
            "payment_mode": service.payment_mode, "shortage_rule": ShortageRule.REFUSE})
        service.refresh_from_db()
        assert (service.name == "Renamed") == allowed[which]
        assert posted.status_code == (302 if allowed[which] else 403)
