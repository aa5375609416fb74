"""/metrics: who may read it, and that each family counts what it says."""

import json
import re
from datetime import timedelta

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civicard.core import clock
from civicard.core.permissions import Role
from civicard.notifications.models import Delivery
from civicard.notifications.tasks import deliver
from tests.access.conftest import (  # noqa: F401  (fixtures)
    AT,
    UID,
    enrol,
    fund,
    holder,
    make_checkpoint,
    make_service,
    make_terminal,
    manager,
    pool_service,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.CIVICARD_METRICS_TOKEN = TOKEN


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def sample(text: str, name: str, **labels) -> float | None:
    """The value of one sample, None if the exposition has no such line."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
            if found == wanted:
                return float(match[3])
    return None


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer"])
def test_without_the_token_metrics_are_refused(client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"civicard_" not in response.content


def test_no_token_configured_means_no_bearer_gets_in(client, settings):
    settings.CIVICARD_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


@pytest.mark.parametrize("role", [None, Role.COUNTER_AGENT, Role.SERVICE_MANAGER])
def test_a_logged_in_user_other_than_an_administrator_is_refused(
        client, make_login, settings, role):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    make_login("someone@example.org", role=role)
    client.login(email="someone@example.org", password=PASSWORD)
    assert client.get("/metrics").status_code == 403


def test_an_administrator_reads_them(client, make_login, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    make_login("admin@example.org", role=Role.ADMINISTRATOR)
    client.login(email="admin@example.org", password=PASSWORD)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"# TYPE civicard_http_requests_total counter" in response.content


def test_requests_are_counted_by_route_and_status(client):
    before = scrape(client)
    client.get("/")
    client.get("/")
    client.get("/no/such/page/12345")
    after = scrape(client)

    def grown(name, **labels):
        return (sample(after, name, **labels) or 0) - (sample(before, name, **labels) or 0)

    assert grown("civicard_http_requests_total", method="GET", route="/", status="200") == 2
    assert grown("civicard_http_requests_total", method="GET", route="<unmatched>",
                 status="404") == 1
    assert grown("civicard_http_request_duration_seconds_count", method="GET", route="/") == 2
    # The path asked is not a label: only the pattern that served it.
    assert "/no/such/page" not in after


def test_each_response_carries_its_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/", HTTP_X_REQUEST_ID="from-the-proxy-1")["X-Request-ID"] == \
        "from-the-proxy-1"
    refused = client.get("/", HTTP_X_REQUEST_ID="bad id\twith spaces")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", refused)


def test_terminal_decisions_of_the_last_five_minutes_by_reason(
        client, pool_service, make_checkpoint, make_terminal, holder):  # noqa: F811
    checkpoint = make_checkpoint(pool_service, hours="24/7", charge_use="entry")
    _terminal, token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 400)  # one entry at 3.50, then too little
    now = AT + timedelta(hours=1)

    def scan(key, at):
        with clock.frozen(at):
            response = client.post(
                "/api/terminals/scan", json.dumps({"credential": UID, "idempotency_key": key}),
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content
        return response.json()

    assert scan("old", now - timedelta(minutes=10))["decision"] == "allow"
    refused = scan("new", now - timedelta(minutes=1))
    assert refused["decision"] == "deny"
    with clock.frozen(now):
        text = scrape(client)
    assert sample(text, "civicard_terminal_decisions_recent",
                  outcome="deny", reason=refused["reason_code"]) == 1
    # The allowed entry was ten minutes ago: outside the window.
    assert [line for line in text.splitlines()
            if line.startswith('civicard_terminal_decisions_recent{outcome="allow"')] == []


def test_task_queue_depth_and_oldest_age(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    start = clock.now()
    with clock.frozen(start):
        deliver.enqueue(1)
    DBTaskResult.objects.update(enqueued_at=start - timedelta(seconds=90))
    deliver.using(run_after=start + timedelta(hours=1)).enqueue(2)
    deliver.using(run_after=start - timedelta(seconds=30)).enqueue(3)
    done = deliver.enqueue(4)
    DBTaskResult.objects.filter(pk=done.id).update(status=TaskResultStatus.SUCCESSFUL)
    with clock.frozen(start):
        text = scrape(client)
    assert sample(text, "civicard_tasks_ready", queue="default") == 2
    assert sample(text, "civicard_tasks_deferred") == 1
    assert sample(text, "civicard_tasks_oldest_ready_age_seconds") == pytest.approx(90, abs=1)


def test_an_empty_queue_has_no_age(client, settings):
    assert sample(scrape(client), "civicard_tasks_oldest_ready_age_seconds") == 0


def test_unsent_and_retrying_deliveries(client):
    def delivery(status, attempts):
        Delivery.objects.create(to="a@example.org", subject="s", body="b", status=status,
                                attempts=attempts, created_at=AT)

    delivery(Delivery.Status.PENDING, 0)
    delivery(Delivery.Status.PENDING, 2)
    delivery(Delivery.Status.FAILED, 5)
    delivery(Delivery.Status.FAILED, 5)
    delivery(Delivery.Status.SENT, 1)
    text = scrape(client)
    assert sample(text, "civicard_deliveries_unsent", status="pending") == 2
    assert sample(text, "civicard_deliveries_unsent", status="failed") == 2
    assert sample(text, "civicard_deliveries_retrying") == 1
