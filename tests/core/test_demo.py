from django.apps import apps
from django.core.management import call_command

from civicard.core.permissions import Role
from civicard.people import demo as people_demo
from civicard.people.models import RoleAssignment


def counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.app_label not in {"sessions", "django_tasks_db"}}


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
