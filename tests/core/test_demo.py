import io

from django.apps import apps
from django.core.management import call_command

from civicard.core import clock
from civicard.core.permissions import Role
from civicard.people import demo as people_demo
from civicard.people.models import RoleAssignment, User
from civicard.people.operations import create_household_at_counter
from civicard.territory.models import Neighbourhood, Territory


def counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.app_label not in {"sessions", "django_tasks_db"}
            and model._meta.managed}  # unmanaged: library.TitleSearch, an SQLite index


def test_demo_loads_every_role_and_twice_adds_nothing(db, monkeypatch):
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))
    first = counts()
    assert first["territory.Commune"] == 3
    assert first["territory.Neighbourhood"] == 9
    assert first["people.Household"] >= 60
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == {role.value for role in Role}
    call_command("demo", stdout=open("/dev/null", "w"))
    assert counts() == first


def test_a_second_run_leaves_what_an_agent_added_alone(db, monkeypatch):
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))
    agent = User.objects.get(email="agent@demo.civicard.test")
    create_household_at_counter(
        territory=Territory.objects.get(), full_name="Odette Texier", birth_date=None,
        language="fr", phone="", email="", street="1 rue Haute", postal_code="36000",
        neighbourhood=Neighbourhood.objects.order_by("pk").first(), actor=agent, at=clock.now())
    before = counts()
    call_command("demo", stdout=open("/dev/null", "w"))
    assert counts() == before


def test_the_printed_reader_command_names_the_served_address(db, monkeypatch):
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    out = io.StringIO()
    call_command("demo", "--url", "http://127.0.0.1:8080", stdout=out)
    assert "civicard terminal-sim --url http://127.0.0.1:8080 --token " in out.getvalue()
