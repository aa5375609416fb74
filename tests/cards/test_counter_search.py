"""The counter search at a town's size: accents and case aside, a typo forgiven on PostgreSQL,
by date of birth and address, every match reachable by paging instead of a silent cap."""
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from civicard.cards.queries import people_matching
from civicard.core.errors import PermissionRefused
from civicard.people.models import Household, Membership, Person
from civicard.territory.models import Address

pytestmark = pytest.mark.django_db


def names(agent, text):
    return [person.full_name for person in people_matching(agent, text)]


@pytest.fixture
def people(db):
    return {name: Person.objects.create(full_name=name, birth_date=born) for name, born in [
        ("Amina Bénali", date(1988, 3, 12)), ("Karim BENALI", date(1990, 7, 1)),
        ("Élodie Côte-Dubois", date(1988, 3, 12)), ("Joseph Martin", None)]}


def test_names_match_every_word_whatever_the_accents_and_case(agent, people):
    assert names(agent, "benali") == ["Amina Bénali", "Karim BENALI"]
    assert names(agent, "BÉNALI amina") == ["Amina Bénali"]
    assert names(agent, "cote dubois") == ["Élodie Côte-Dubois"]
    assert names(agent, "élo") == ["Élodie Côte-Dubois"]
    assert names(agent, "!!") == []


def test_a_date_of_birth_written_day_first_or_iso_finds_who_was_born_that_day(agent, people):
    for text in ("12/03/1988", "12.03.1988", "1988-03-12"):
        assert names(agent, text) == ["Amina Bénali", "Élodie Côte-Dubois"], text


def test_an_address_finds_the_people_living_there(agent, people, territory):
    address = Address.objects.create(street="12 rue des Lilas", postal_code="79200",
                                     neighbourhood=territory.communes.first()
                                     .neighbourhoods.first())
    household = Household.objects.create(territory=territory, address=address)
    Membership.objects.create(household=household, person=people["Joseph Martin"])
    assert names(agent, "12 rue des lilas") == ["Joseph Martin"]
    assert names(agent, "14 rue des lilas") == []


def test_a_renamed_person_is_found_under_the_new_name(agent, people):
    person = people["Joseph Martin"]
    person.full_name = "Joseph Müller"
    person.save(update_fields=["full_name"])
    assert names(agent, "muller") == ["Joseph Müller"]
    assert names(agent, "martin") == []


def test_a_typo_is_forgiven_on_postgresql(agent, people):
    expected = ["Amina Bénali", "Karim BENALI"] if connection.vendor == "postgresql" else []
    assert names(agent, "bennali") == expected


def test_only_counter_agents_and_managers_search(resident):
    with pytest.raises(PermissionRefused):
        people_matching(resident, "benali")


def test_the_page_says_how_many_match_and_shows_more_on_request(client, agent, territory):
    for n in range(65):
        Person.objects.create(full_name=f"Marie Dupont {n:02}")
    client.force_login(agent)
    url = reverse("cards:counter_find")
    page = client.get(url, {"q": "dupont"}).content.decode()
    assert "30 of 65 people" in page
    assert page.count("Marie Dupont") == 30
    assert "shown=60" in page
    page = client.get(url, {"q": "dupont", "shown": 60}).content.decode()
    assert "60 of 65 people" in page and "shown=65" in page
    page = client.get(url, {"q": "dupont", "shown": 65}).content.decode()
    assert "65 people found" in page and "shown=" not in page.split("</form>")[-1]
