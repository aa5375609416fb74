"""Reports, dashboards and exports read from the read replica; writes and everything else stay
on the primary (civicard/core/routers.py, decision 0024).

The replica is Django's test mirror of the test database (`TEST: {"MIRROR": "default"}`, set
when DATABASE_REPLICA_URL is; `make test-postgres` sets it to the primary itself): a second
connection to the same database, which sees what the primary committed. So these tests commit
(`transaction=True`) and tell the two aliases apart by the connection that ran each query.
"""

import os
from contextlib import ExitStack

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from civicard.core.routers import ReplicaRouter, reading_reports
from civicard.territory.models import Territory


def test_without_a_replica_reports_read_the_primary(settings):
    settings.CIVICARD_REPORTS_DATABASE = "default"
    with reading_reports():
        assert router.db_for_read(Territory) == "default"
    assert router.db_for_write(Territory) == "default"
    assert django_settings.DATABASE_ROUTERS == ["civicard.core.routers.ReplicaRouter"]


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "territory") is True
    assert ReplicaRouter().allow_migrate("replica", "territory") is False


REPLICA = "replica" in django_settings.DATABASES


def test_ci_runs_the_replica_tests():
    """CI's PostgreSQL pass sets DATABASE_REPLICA_URL (Makefile, test-postgres): the tests
    below must not be skipped there."""
    if os.environ.get("CI") and connection.vendor == "postgresql":
        assert REPLICA, "DATABASE_REPLICA_URL is not set in CI's PostgreSQL pass"


class Captured:
    """The SQL that each alias's connection ran inside the block."""

    def __enter__(self):
        self.stack = ExitStack()
        self.default = self.stack.enter_context(CaptureQueriesContext(connections["default"]))
        self.replica = self.stack.enter_context(CaptureQueriesContext(connections["replica"]))
        return self

    def __exit__(self, *exc):
        self.stack.close()

    @staticmethod
    def sql(captured, word):
        return [q["sql"] for q in captured.captured_queries if word in q["sql"]]


@pytest.fixture
def on_replica(settings):
    settings.CIVICARD_REPORTS_DATABASE = "replica"
    assert connections["replica"] is not connections["default"]


@pytest.mark.skipif(not REPLICA, reason="DATABASE_REPLICA_URL is not set")
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
class TestOnTheReplica:
    def test_reads_in_a_report_go_to_the_replica_and_others_to_the_primary(self, on_replica):
        Territory.objects.create(name="Gâtine", slug="gatine")
        with Captured() as seen:
            with reading_reports():
                assert Territory.objects.get(slug="gatine").name == "Gâtine"
                assert Territory.objects.all().db == "replica"
            assert Territory.objects.get(slug="gatine").name == "Gâtine"  # outside: primary
        assert len(seen.sql(seen.replica, "territory_territory")) == 1
        assert len(seen.sql(seen.default, "territory_territory")) == 1

    def test_writes_never_go_to_the_replica(self, on_replica):
        with Captured() as seen:
            with reading_reports():
                created = Territory.objects.create(name="Gâtine", slug="gatine")
                read = Territory.objects.get(pk=created.pk)
                assert read._state.db == "replica"
                read.name = "Gâtine et Thouet"
                read.save(update_fields=["name"])  # read on the replica, saved on the primary
                Territory.objects.filter(pk=created.pk).update(slug="gatine-thouet")
                Territory.objects.filter(slug="nowhere").delete()
        # the get() only: what a delete reads, it reads on the primary
        assert len(seen.sql(seen.replica, "territory_territory")) == 1
        for word in ("INSERT", "UPDATE", "DELETE"):
            assert seen.sql(seen.replica, word) == []
        assert len(seen.sql(seen.default, "INSERT")) == 1
        assert len(seen.sql(seen.default, "UPDATE")) == 2
        assert Territory.objects.get().name == "Gâtine et Thouet"

    def test_a_read_inside_a_transaction_on_the_primary_stays_there(self, on_replica):
        Territory.objects.create(name="Gâtine", slug="gatine")
        with Captured() as seen, reading_reports(), transaction.atomic():
            Territory.objects.select_for_update().get(slug="gatine")
            Territory.objects.get(slug="gatine")
        assert seen.sql(seen.replica, "territory_territory") == []
        assert len(seen.sql(seen.default, "territory_territory")) == 2
