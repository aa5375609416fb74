"""core.rows: instances built from raw rows are the ORM's own, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from civicard.core import rows
from civicard.people.models import Household, Membership, Person
from civicard.wallets.models import Service, Tariff

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _raw(model, names, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {rows.select_list('t', model, names)} "
                       f'FROM "{model._meta.db_table}" t WHERE t.id = %s', [pk])
        return cursor.fetchone()


@pytest.fixture
def tariff(territory):
    service = Service.objects.create(territory=territory, slug="pool", name="Pool")
    return Tariff.objects.create(service=service, use="entry", amount_cents=350,
                                 valid_from=date(2026, 1, 1), created_at=AT)


def test_an_instance_of_every_column_equals_the_orms(tariff):
    names = rows.columns(Tariff)
    built = rows.instance(Tariff, names, _raw(Tariff, names, tariff.pk))
    loaded = Tariff.objects.get(pk=tariff.pk)
    for field in Tariff._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(loaded, field.attname), field.name
        assert type(getattr(built, field.attname)) is type(getattr(loaded, field.attname))
    assert (built._state.adding, built._state.db) == (False, "default")
    assert built.get_deferred_fields() == set()
    assert built == loaded and built.valid_from == date(2026, 1, 1)


def test_columns_not_read_stay_deferred_and_load_on_use(territory):
    person = Person.objects.create(full_name="Amina Benali", language="ar", email="a@example.org",
                                   birth_date=date(1984, 5, 6))
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    names = rows.columns(Person, "id", "full_name", "birth_date")
    built = rows.instance(Person, names, _raw(Person, names, person.pk))
    assert built.birth_date == date(1984, 5, 6) and built.full_name == "Amina Benali"
    assert built.get_deferred_fields() == {
        f.attname for f in Person._meta.concrete_fields if f.attname not in names}
    with CaptureQueriesContext(connection) as captured:
        assert built.email == "a@example.org"
    assert len(captured) == 1
    assert list(built.memberships.values_list("household_id", flat=True)) == [household.pk]


def test_a_foreign_key_read_as_its_id_reaches_the_related_row(tariff):
    names = rows.columns(Tariff, "id", "service")
    built = rows.instance(Tariff, names, _raw(Tariff, names, tariff.pk))
    assert built.service_id == tariff.service_id and built.service.slug == "pool"
    built.service_id = None
    assert not Tariff.service.field.is_cached(built)  # the ORM's own descriptor, as from_db


def test_a_model_someone_listens_to_is_built_by_from_db(tariff):
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(listener, sender=Tariff)
    try:
        names = rows.columns(Tariff)
        built = rows.instance(Tariff, names, _raw(Tariff, names, tariff.pk))
    finally:
        post_init.disconnect(listener, sender=Tariff)
    assert heard == [built] and built.amount_cents == 350
