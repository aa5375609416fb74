from datetime import date, timedelta

import pytest

from civicard.bookings import operations
from civicard.bookings.models import Booking, Rental, Status
from civicard.core import clock
from civicard.people.models import Membership
from civicard.wallets.models import LedgerEntry

from .conftest import AT, TOMORROW_18, make_person


@pytest.fixture
def api(client, amina, make_login, top_up, court):
    user = make_login("amina@example.org")
    Membership.objects.create(household=amina.household, person=user.person)
    top_up(court.service, amina.household, 2000)
    client.force_login(user)
    with clock.frozen(AT):
        yield client


def _book(api, court, start=TOMORROW_18, key="k1", **extra):
    return api.post("/api/bookings", {"resource": court.pk, "start": start.isoformat(),
                                      "idempotency_key": key, **extra},
                    content_type="application/json")


def test_resources_and_slots(api, court):
    listed = api.get("/api/bookings/resources").json()
    assert listed == [{"id": court.pk, "name": "Squash court 1", "kind": "court",
                       "place": "Sports centre", "slot_minutes": 60, "book_ahead_days": 14,
                       "price_cents": 500, "currency": "EUR"}]
    slots = api.get(f"/api/bookings/resources/{court.pk}/slots",
                    {"from": "2026-03-03", "to": "2026-03-03"}).json()
    assert len(slots) == 14
    assert slots[0] == {"start": "2026-03-03T08:00:00+01:00", "end": "2026-03-03T09:00:00+01:00",
                        "state": "free"}
    wide = api.get(f"/api/bookings/resources/{court.pk}/slots",
                   {"from": "2026-03-03", "to": "2026-06-03"})
    assert wide.status_code == 422 and wide.json()["code"] == "invalid_input"


def test_book_retry_taken_and_cancel(api, court, territory, neighbourhood, top_up, client):
    created = _book(api, court)
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["price_cents"], body["refunded"]) == ("confirmed", 500, False)
    assert _book(api, court).json()["id"] == body["id"]  # the retry
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    other = make_person(territory, "Bruno Other", neighbourhood=neighbourhood)
    top_up(court.service, other.household, 2000)
    from civicard.bookings import operations

    with pytest.raises(Exception) as raised:
        operations.book(resource=court, person=other, start=TOMORROW_18, idempotency_key="o",
                        actor=None, at=AT)
    assert raised.value.code == "slot_taken"
    taken = _book(api, court, key="k2")  # Amina again, another key: same slot is hers
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"
    assert taken.json()["fields"]["next_free"][0] == "2026-03-03T19:00:00+01:00"
    cancelled = api.delete(f"/api/bookings/{body['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["refunded"] is True
    again = api.delete(f"/api/bookings/{body['id']}")
    assert again.status_code == 409 and again.json()["code"] == "booking_cancelled"


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"start": "2026-03-03T18:00:00"}, 422, "invalid_input"),  # no offset
    ({"start": "2099-03-03T18:00:00Z"}, 422, "invalid_input"),
    ({"start": "2026-03-01T17:00:00Z"}, 422, "slot_past"),
    ({"start": "2026-03-03T17:30:00Z"}, 422, "slot_invalid"),
    ({"start": "2026-03-20T17:00:00Z"}, 422, "slot_too_far"),
    ({"companions": ["NOPE"]}, 422, "companion_unknown"),
    ({"resource": 999999}, 404, "not_found"),
    ({"idempotency_key": ""}, 422, "invalid_input"),
])
def test_bad_input_gets_a_clear_error(api, court, payload, status, code):
    data = {"resource": court.pk, "start": TOMORROW_18.isoformat(), "idempotency_key": "k",
            **payload}
    response = api.post("/api/bookings", data, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert set(response.json()) == {"code", "message", "fields"}
    assert Booking.objects.count() == 0


def test_someone_else_cannot_cancel_and_anonymous_is_refused(api, court, amina, make_login,
                                                              client):
    booking_id = _book(api, court).json()["id"]
    client.force_login(make_login("other@example.org"))
    assert client.delete(f"/api/bookings/{booking_id}").status_code == 404
    client.logout()
    assert client.get("/api/bookings/resources").status_code == 403
    assert Booking.objects.get().status == Status.CONFIRMED


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/bookings/resources", "/api/bookings/resources/{resource_id}/slots",
            "/api/bookings", "/api/bookings/{booking_id}"} <= set(paths)
    assert set(paths["/api/bookings/{booking_id}"]) == {"delete"}
    assert TOMORROW_18 - timedelta(hours=1)  # the fixture times stay aware


@pytest.fixture
def renter_api(client, amina, make_login, top_up, hall):
    user = make_login("renter@example.org")
    Membership.objects.create(household=amina.household, person=user.person)
    client.force_login(user)
    with clock.frozen(AT):
        yield client


def _rent(api, hall, key="r1", **extra):
    return api.post("/api/bookings/rentals", {
        "resource": hall.pk, "first_day": "2026-03-07", "last_day": "2026-03-08",
        "purpose": "Fête de quartier", "attendance": 60, "idempotency_key": key, **extra},
        content_type="application/json")


def test_ask_to_rent_list_and_withdraw(renter_api, hall, helper):
    asked = _rent(renter_api, hall, helpers=[helper.card.number])
    assert asked.status_code == 201
    body = asked.json()
    assert body == {"id": body["id"], "resource": hall.pk, "start": "2026-03-07T09:00:00+01:00",
                    "end": "2026-03-08T23:00:00+01:00", "purpose": "Fête de quartier",
                    "attendance": 60, "status": "pending", "refusal_reason": "",
                    "price_cents": 8100, "deposit_cents": 30000, "deposit_kept_cents": None,
                    "helpers": [helper.pk], "booking": None}
    assert _rent(renter_api, hall).json()["id"] == body["id"]  # the same key: the same request
    assert [r["id"] for r in renter_api.get("/api/bookings/rentals").json()] == [body["id"]]
    withdrawn = renter_api.delete(f"/api/bookings/rentals/{body['id']}")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = renter_api.delete(f"/api/bookings/rentals/{body['id']}")
    assert again.status_code == 409 and again.json()["code"] == "rental_decided"


@pytest.mark.parametrize(("extra", "status", "code"), [
    ({"attendance": 81}, 422, "over_capacity"),
    ({"helpers": ["NOPE1"]}, 422, "helper_unknown"),
    ({"helpers": ["A", "B", "C"]}, 422, "invalid_input"),
    ({"first_day": "2026-02-28", "last_day": "2026-02-28"}, 422, "rental_past"),
    ({"first_day": "9999-12-31", "last_day": "9999-12-31"}, 422, "slot_too_far"),
    ({"first_day": "2026-03-06"}, 422, "rental_day_closed"),
])
def test_bad_rental_requests_get_the_error_shape(renter_api, hall, extra, status, code):
    response = _rent(renter_api, hall, **extra)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert Rental.objects.count() == 0


def test_someone_else_s_rental_is_not_found(renter_api, hall, territory, neighbourhood):
    other = make_person(territory, "Other Renter", neighbourhood=neighbourhood)
    rental = operations.request_rental(resource=hall, person=other, first_day=date(2026, 3, 7),
                                       last_day=date(2026, 3, 7), purpose="x", attendance=3,
                                       idempotency_key="o", actor=None, at=AT)
    assert renter_api.delete(f"/api/bookings/rentals/{rental.pk}").status_code == 404
    rental.refresh_from_db()
    assert rental.status == "pending"
