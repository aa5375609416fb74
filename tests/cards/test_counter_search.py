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


def page_of(client, **params):
    return client.get(reverse("cards:counter_find"), params).content.decode().split("</form>")[-1]


def test_the_page_says_how_many_match_and_pages_through_them_in_name_order(client, agent):
    for n in range(65):
        Person.objects.create(full_name=f"Marie Dupont {n:02}")
    first = Person.objects.get(full_name="Marie Dupont 29")
    last = Person.objects.get(full_name="Marie Dupont 59")
    client.force_login(agent)
    page = page_of(client, q="dupont")
    assert "Results 1 to 30 of 65" in page
    assert page.count("Marie Dupont") == 30 and "Marie Dupont 29" in page
    assert f"after={first.pk}&amp;start=31" in page
    page = page_of(client, q="dupont", after=first.pk, start=31)
    assert "Results 31 to 60 of 65" in page and '<ol class="card-list" start="31">' in page
    assert page.count("Marie Dupont") == 30
    assert "Marie Dupont 29" not in page and "Marie Dupont 30" in page
    assert f"after={last.pk}&amp;start=61" in page
    page = page_of(client, q="dupont", after=last.pk, start=61)
    assert "Results 61 to 65 of 65" in page and page.count("Marie Dupont") == 5
    assert "after=" not in page
    assert 'name="after"' not in client.get(reverse("cards:counter_find"), {
        "q": "dupont", "after": last.pk, "start": 61}).content.decode()  # a new search starts over
    assert "Results 1 to 30 of 66" in page_of(client, q="dupont", after=Person.objects.create(
        full_name="Marie Dupont 99").pk, start=91)  # a stale link: the first page


def test_people_of_the_same_name_are_paged_by_their_number(client, agent):
    twins = [Person.objects.create(full_name="Ali Benali") for _ in range(45)]
    client.force_login(agent)
    page = page_of(client, q="benali")
    assert "Results 1 to 30 of 45" in page and f"after={twins[29].pk}&amp;" in page
    page = page_of(client, q="benali", after=twins[29].pk, start=31)
    assert "Results 31 to 45 of 45" in page and page.count("Ali Benali") == 15
    assert f'href="{reverse("cards:counter_person", args=[twins[30].pk])}"' in page


def test_few_matches_are_listed_whole_and_one_opens_the_person(client, agent, people):
    client.force_login(agent)
    assert "2 people found" in page_of(client, q="benali")
    assert "0 people found" in page_of(client, q="zzzz")
    response = client.get(reverse("cards:counter_find"), {"q": "amina"})
    assert response.url == reverse("cards:counter_person", args=[people["Amina Bénali"].pk])


def test_a_page_of_the_search_reads_the_same_few_queries_however_many_match(
        client, agent, django_assert_num_queries):
    for n in range(65):
        Person.objects.create(full_name=f"Marie Dupont {n:02}")
    client.force_login(agent)
    url = reverse("cards:counter_find")
    client.get(url, {"q": "dupont"})
    # the session, its user and person, the agent's roles and assisted session (any page's);
    # then the page, one more row and the count of the matches, at once
    with django_assert_num_queries(6):
        client.get(url, {"q": "dupont"})
    after = Person.objects.get(full_name="Marie Dupont 29").pk
    with django_assert_num_queries(7):  # and the name of the last person shown
        client.get(url, {"q": "dupont", "after": after, "start": 31})
