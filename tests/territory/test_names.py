"""The territory's own names given per language: entered by a territory-wide manager, read by
residents in their language, as written when not given in it."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.territory import operations
from civicard.territory.models import LocalName
from civicard.territory.queries import local_name, named_things
from civicard.wallets.models import Service

from ..wallets.conftest import AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(territory):
    return Service.objects.create(territory=territory, slug="pool", name="Piscine Aquabrenne")


@pytest.fixture
def manager(make_login, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    return make_login("manager@example.org", role=Role.SERVICE_MANAGER)


def render_name(name, language):
    with translation.override(language):
        return Template("{{ name|local }}").render(Context({"name": name}))


def test_a_name_reads_in_the_readers_language_or_as_written(territory, pool, manager):
    operations.set_local_names(territory=territory, language="uk", actor=manager, at=AT,
                               names={"Piscine Aquabrenne": "  Басейн   Аквабрен "})
    assert [render_name(pool.name, language) for language in ("uk", "fr", "de")] == [
        "Басейн Аквабрен", "Piscine Aquabrenne", "Piscine Aquabrenne"]
    # Changed, then taken back to the written name: read at once, not from the cache.
    operations.set_local_names(territory=territory, language="uk", actor=manager, at=AT,
                               names={"Piscine Aquabrenne": "Басейн"})
    assert local_name(pool.name, "uk") == "Басейн"
    assert operations.set_local_names(territory=territory, language="uk", actor=manager, at=AT,
                                      names={"Piscine Aquabrenne": ""}) == 1
    assert local_name(pool.name, "uk") == "Piscine Aquabrenne"
    assert LocalName.objects.count() == 0
    assert AuditLogEntry.objects.filter(action="territory.names").count() == 3


def test_only_a_territory_wide_manager_names_things_and_bad_input_writes_nothing(
        territory, pool, make_login):
    north = territory.communes.get(name="Nordville")
    for user in (make_login("someone@example.org"),
                 make_login("north@example.org", role=Role.SERVICE_MANAGER, commune=north)):
        with pytest.raises(PermissionRefused):
            operations.set_local_names(territory=territory, language="uk", actor=user, at=AT,
                                       names={"Piscine Aquabrenne": "Басейн"})
    admin = make_login("admin@example.org", role=Role.ADMINISTRATOR)
    for language, names in (("xx", {"Piscine Aquabrenne": "Pool"}),
                            ("uk", {"Piscine Aquabrenne": "Басейн\x00"}),
                            ("uk", {"Piscine Aquabrenne": "Б" * 251})):
        with pytest.raises(InvalidInput):
            operations.set_local_names(territory=territory, language=language, actor=admin,
                                       at=AT, names=names)
    assert LocalName.objects.count() == 0


def test_the_names_page_lists_what_residents_read_and_saves_one_language(
        client, territory, pool, manager):
    assert ("Piscine Aquabrenne", "service") in named_things()
    assert ("QF 1", "income bracket") in named_things()
    client.force_login(manager)
    url = reverse("territory:names")
    page = client.get(url, {"language": "ta"}).content.decode()
    rows = dict(named_things())
    index = sorted(rows, key=str.casefold).index("Piscine Aquabrenne")
    assert f'name="source-{index}" value="Piscine Aquabrenne"' in page
    response = client.post(url, {"language": "ta", **{
        f"source-{n}": name for n, name in enumerate(sorted(rows, key=str.casefold))},
        f"text-{index}": "நீச்சல் குளம்"})
    assert response.status_code == 302 and response.url == f"{url}?language=ta"
    assert local_name("Piscine Aquabrenne", "ta") == "நீச்சல் குளம்"
    assert client.get(url, {"language": "ta"}).content.decode().count("நீச்சல் குளம்") == 1


def test_a_resident_cannot_open_the_names_page(client, resident):
    client.force_login(resident)
    assert client.get(reverse("territory:names")).status_code == 403


def test_the_names_page_refuses_a_bad_name_whole_and_ignores_unknown_ones(client, territory,
                                                                          pool, manager):
    client.force_login(manager)
    url = reverse("territory:names")
    sources = sorted(dict(named_things()), key=str.casefold)
    index = sources.index("Piscine Aquabrenne")
    fields = {"language": "uk", **{f"source-{n}": name for n, name in enumerate(sources)}}
    bracket = sources.index("QF 1")
    response = client.post(url, {**fields, f"text-{bracket}": "Б" * 251,
                                 f"text-{index}": "Басейн"})
    assert response.status_code == 200
    assert "Some fields are not filled in correctly." in response.content.decode()
    assert 'value="Басейн"' in response.content.decode()  # what was typed comes back
    assert LocalName.objects.count() == 0
    client.post(url, {"language": "uk", "source-0": "Not a name of ours", "text-0": "Ні"})
    assert LocalName.objects.count() == 0
