"""The roll-call endpoints for tablets (terminal tokens, idempotency keys, offline batches)
and the public nursery rate simulator."""

from datetime import UTC, date, datetime, timedelta

import pytest

from civicard.access import terminals
from civicard.access.models import Checkpoint, Facility
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.childhood import operations
from civicard.childhood.models import Reservation, RollCallPoint, State, UnitDay
from civicard.core import clock

from .conftest import AT, MONDAY

pytestmark = pytest.mark.django_db
UID = "04AABBCCDD11"
LUNCH = datetime(2026, 2, 9, 11, 15, tzinfo=UTC)


@pytest.fixture
def tablet(family, canteen, manager, territory):
    amina, _household, yanis, lina = family
    unit = canteen.units.get()
    for child in (yanis, lina):
        operations.enrol_child(activity=canteen, child=child, actor=amina, at=AT,
                               allergies="Peanuts" if child == lina else "")
    UnitDay.objects.create(unit=unit, day=MONDAY, capacity=30)
    operations.reserve(child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)
    Card.objects.create(person=yanis, kind="physical", number=codes.new_number(),
                        uid_hash=codes.uid_hash(UID), uid_hint=UID[-4:], status="active",
                        issued_at=AT, expires_on=date(2030, 1, 1))
    facility = Facility.objects.create(territory=territory, name="School", kind="school")
    checkpoint = Checkpoint.objects.create(facility=facility, name="Canteen",
                                           kind="canteen_tablet")
    RollCallPoint.objects.create(checkpoint=checkpoint, unit=unit)
    _terminal, token = terminals.register_terminal(checkpoint=checkpoint, name="Tablet",
                                                actor=manager, at=AT)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, path, body, headers):
    return client.post(f"/api/childhood/roll-call/{path}", body,
                       content_type="application/json", **headers)


def test_a_card_scan_marks_the_child_present_once(client, tablet):
    body = {"credential": UID, "idempotency_key": "scan-1", "at": LUNCH.isoformat()}
    with clock.frozen(LUNCH):
        first = post(client, "scan", body, tablet)
        retry = post(client, "scan", body, tablet)
    assert first.status_code == 200
    assert first.json() == {"idempotency_key": "scan-1", "status": "recorded", "code": "",
                            "state": "present", "name": "Yanis", "allergies": False}
    assert retry.json()["status"] == "duplicate" and retry.json()["state"] == "present"
    assert Reservation.objects.get(child__full_name="Yanis Benali").arrived_at == LUNCH


def test_scans_without_a_token_or_at_another_checkpoint_are_refused(client, tablet, manager,
                                                                    territory):
    body = {"credential": UID, "idempotency_key": "scan-1"}
    assert post(client, "scan", body, {}).status_code == 401
    door = Checkpoint.objects.create(facility=Facility.objects.get(), name="Door", kind="door")
    _t, token = terminals.register_terminal(checkpoint=door, name="Door", actor=manager, at=AT)
    refused = post(client, "scan", body, {"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert (refused.status_code, refused.json()["code"]) == (409, "not_a_roll_call_point")
    assert Reservation.objects.get().state == State.RESERVED


def test_an_offline_batch_refuses_bad_marks_one_by_one(client, tablet):
    late = LUNCH + timedelta(hours=4)
    events = [
        {"idempotency_key": "e1", "credential": UID, "at": LUNCH.isoformat()},
        {"idempotency_key": "e2", "credential": "04FFFFFFFF00", "at": LUNCH.isoformat()},
        {"idempotency_key": "e3", "credential": UID, "at": "yesterday"},
        {"idempotency_key": "e4", "credential": UID, "at": late.isoformat(), "mark": "collected"},
        {"idempotency_key": "e5", "credential": UID, "at": "2026-02-10T11:00:00+01:00"},
        {"idempotency_key": "e1", "credential": UID, "at": LUNCH.isoformat()},
    ]
    with clock.frozen(late + timedelta(hours=1)):
        answer = post(client, "events", {"events": events}, tablet)
    assert answer.status_code == 200
    body = answer.json()
    assert [(r["idempotency_key"], r["status"], r["code"]) for r in body["results"]] == [
        ("e1", "recorded", ""), ("e2", "rejected", "card_unknown"),
        ("e3", "rejected", "at_invalid"), ("e4", "recorded", ""),
        ("e5", "rejected", "day_not_open"), ("e1", "duplicate", "")]
    assert (body["recorded"], body["duplicates"], body["rejected"]) == (2, 1, 3)
    reservation = Reservation.objects.get()
    assert (reservation.state, reservation.arrived_at, reservation.left_at) == (
        State.PRESENT, LUNCH, late)


def test_the_list_flags_allergies_and_puts_booked_children_first(client, tablet):
    with clock.frozen(LUNCH):
        answer = client.get("/api/childhood/roll-call/list", **tablet)
    assert [(c["name"], c["state"], c["allergies"]) for c in answer.json()] == [
        ("Yanis Benali", "reserved", False), ("Lina Benali", "", True)]


def test_the_nursery_rate_simulator(client, db):
    answer = client.get("/api/childhood/nursery-rate?monthly_resources_cents=300000"
                        "&children=1&disabled_child=true&on=2025-10-01")
    assert answer.json() == {"hourly_rate_cents": 155, "effort_rate": "0.0516",
                             "resources_used_cents": 300000}
    bad = client.get("/api/childhood/nursery-rate?monthly_resources_cents=-1&children=0")
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"monthly_resources_cents", "children"}
    old = client.get("/api/childhood/nursery-rate?monthly_resources_cents=1&children=1"
                     "&on=2020-01-01")
    assert (old.status_code, old.json()["code"]) == (422, "nursery_scale_unknown")
