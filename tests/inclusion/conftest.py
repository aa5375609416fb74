from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicard.core.permissions import Role
from civicard.inclusion import standard
from civicard.inclusion.models import Mediator, Place

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


def row(**overrides) -> dict:
    """A valid row of the national standard for the test territory (commune 79001)."""
    base = {name: "" for name in standard.field_names()}
    base.update({
        "id": "lieu-1", "pivot": "21790001900014", "nom": "Médiathèque du Centre",
        "commune": "Nordville", "code_postal": "79000", "code_insee": "79001",
        "adresse": "2 place de la Mairie", "latitude": "46.1", "longitude": "-0.2",
        "telephone": "+33549000000", "courriels": "mediatheque@example.org",
        "horaires": "Mo-Fr 09:00-12:00,14:00-18:00", "date_maj": "2026-01-15",
        "services": "Aide aux démarches administratives|Accès internet et matériel informatique",
        "frais_a_charge": "Gratuit", "itinerance": "Fixe",
    })
    base.update(overrides)
    return base


def csv_bytes(*rows: dict) -> bytes:
    return standard.to_csv(list(rows)).encode("utf-8")


@pytest.fixture
def validator(make_login):
    return make_login("validator@example.org", role=Role.MEDIATOR, full_name="Val Idator")


@pytest.fixture
def mediator(validator):
    return Mediator.objects.create(user=validator, display_name="Val")


@pytest.fixture
def place(territory, validator):
    from civicard.inclusion import operations

    operations.import_places(source=csv_bytes(row()), territory=territory, actor=validator,
                             at=AT)
    return Place.objects.get(standard_id="lieu-1")


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
