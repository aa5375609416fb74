"""Bad input at the terminals' API: refused at the edge with a code, one event at a time, and
never stored where it could break a page."""

import json
from datetime import timedelta

import pytest

from civicard.access.models import Decision
from civicard.core import clock

from .conftest import AT, UID, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def door(make_checkpoint, make_terminal, holder, territory):
    """A free door whose holder is enrolled: a good scan is allowed and writes one decision."""
    from civicard.wallets.models import PaymentMode, Service

    service = Service.objects.create(territory=territory, slug="hall", name="Hall",
                                     payment_mode=PaymentMode.FREE)
    enrol(service, household=holder.household)
    terminal, token = make_terminal(make_checkpoint(service, hours="24/7"))
    return token


def post(client, path, body, token):
    with clock.frozen(AT + timedelta(hours=2)):
        return client.post(f"/api/terminals/{path}", json.dumps(body),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("change,field", [
    ({"idempotency_key": "k\x00"}, "idempotency_key"),
    ({"credential": "04A1\x00"}, "credential"),
    ({"at": "9999-12-31T23:59:59-23:59"}, "at"),
    ({"at": "0001-01-01T00:00:00+23:59"}, "at"),
    ({"at": "1999-12-31T23:59:59+00:00"}, "at"),
    ({"at": "2026-03-05T10:00:00+00:00"}, "at"),  # three days after the terminal's clock
    ({"at": "2026-03-02T10:00:00"}, "at"),  # no offset
])
def test_a_bad_scan_is_refused_with_the_field_named_and_nothing_logged(client, door, change,
                                                                       field):
    response = post(client, "scan", {"credential": UID, "idempotency_key": "k", **change}, door)
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("invalid_input", [field])
    assert Decision.objects.count() == 0


def test_one_bad_event_is_refused_and_the_good_ones_recorded(client, door, manager, settings):
    good = {"idempotency_key": "good", "credential": UID, "at": AT.isoformat(),
            "decision": "allow"}
    events = [good,
              {**good, "idempotency_key": "ancient", "at": "0001-01-01T00:00:00+23:59"},
              {**good, "idempotency_key": "nul\x00"},
              {**good, "idempotency_key": "no-time", "at": None},
              {"idempotency_key": "good-2", "credential": UID,
               "at": (AT + timedelta(minutes=1)).isoformat(), "decision": "allow"}]
    result = post(client, "events", {"events": events}, door).json()
    assert [(r["idempotency_key"], r["status"], r["code"]) for r in result["results"]] == [
        ("good", "recorded", ""), ("ancient", "rejected", "at_invalid"),
        ("nul\x00", "rejected", "event_invalid"), ("no-time", "rejected", "at_invalid"),
        ("good-2", "recorded", "")]
    assert (result["recorded"], result["rejected"]) == (2, 3)
    assert sorted(Decision.objects.values_list("idempotency_key", flat=True)) == [
        "good", "good-2"]
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(manager)
    assert client.get("/access/log/").status_code == 200
    assert client.get("/access/log/rows/").status_code == 200


def test_the_openapi_document_declares_the_terminals_bearer_token(client):
    document = client.get("/api/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    bearer = [name for name, scheme in schemes.items()
              if (scheme["type"], scheme.get("scheme")) == ("http", "bearer")]
    assert len(bearer) == 1
    scan = document["paths"]["/api/terminals/scan"]["post"]
    assert scan["security"] == [{bearer[0]: []}]
    assert "security" not in document["paths"]["/api/terminals/public-key"]["get"]
