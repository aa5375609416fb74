"""The manager's reports of door decisions read the replica: the weekly chart while the view
runs, the CSV export while it is streamed (after the view has returned). What the manager's
request reads before the report (session, user, role) and writes (the audit entry) stays on the
primary. See tests/core/test_routers.py for how the replica is set up in tests."""

import pytest
from django.urls import reverse

from civicard.access.models import Decision
from civicard.core import clock
from civicard.core.models import AuditLogEntry
from tests.core.test_routers import REPLICA, Captured

from .conftest import AT, enrol, fund, scan

pytestmark = [pytest.mark.skipif(not REPLICA, reason="DATABASE_REPLICA_URL is not set"),
              pytest.mark.django_db(transaction=True, databases=["default", "replica"])]


@pytest.fixture
def manager_client(client, manager, pool_service, make_checkpoint, make_terminal, holder,
                   settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.CIVICARD_REPORTS_DATABASE = "replica"
    terminal, _token = make_terminal(make_checkpoint(pool_service, charge_use="entry"))
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    scan(terminal)
    scan(terminal, credential="FFFFFFFF", key="unknown")
    client.force_login(manager)
    return client


def test_the_decisions_export_is_read_on_the_replica_while_it_streams(manager_client):
    response = manager_client.get(reverse("access:log_csv"))
    with Captured() as seen:
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 2 and [line.split(",")[8] for line in lines[1:]] == [
        "card_unknown", "ok"]
    assert len(seen.sql(seen.replica, '"access_decision"')) == 1
    assert seen.sql(seen.default, '"access_decision"') == []
    assert AuditLogEntry.objects.filter(action="access.log_exported").count() == 1


def test_the_weekly_chart_reads_the_replica_and_writes_nothing_there(manager_client):
    with Captured() as seen, clock.frozen(AT):
        response = manager_client.get(reverse("access:chart"))
    assert response.status_code == 200 and response.context["total"] == 1
    # the chart reads its summary of the decisions (DailyUses), kept by the scans
    assert len(seen.sql(seen.replica, '"access_dailyuses"')) == 1
    assert seen.sql(seen.default, '"access_dailyuses"') == []
    assert seen.sql(seen.default, '"django_session"')  # the request's own reads: the primary
    assert seen.sql(seen.replica, '"django_session"') == []
    for word in ("INSERT", "UPDATE", "DELETE"):
        assert seen.sql(seen.replica, word) == []
    assert Decision.objects.count() == 2
