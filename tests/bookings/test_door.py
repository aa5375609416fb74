"""The booking opens its checkpoint for the booker and the companions, for exactly its slot."""

import json
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from civicard.access import allowlist, terminals
from civicard.access.decisions import decide, rights
from civicard.access.models import Decision
from civicard.bookings import door, operations
from civicard.bookings.models import Booking
from civicard.cards import codes

from .conftest import AT, UID, make_person

TUESDAY_10 = datetime(2026, 3, 3, 9, 0, tzinfo=AT.tzinfo)  # Tuesday 10:00 in Paris
TUESDAY_20 = datetime(2026, 3, 3, 19, 0, tzinfo=AT.tzinfo)  # the door is closed then


@pytest.fixture
def terminal(court_door, manager):
    terminal, _token = terminals.register_terminal(checkpoint=court_door, name="Squash",
                                                language="fr", actor=manager, at=AT)
    return terminal


def _book(court, person, start, **kwargs):
    return operations.book(resource=court, person=person, start=start, idempotency_key=str(start),
                           actor=None, at=AT, **kwargs)


def _scan(terminal, at, uid=UID, key=None):
    return decide.scan(terminal=terminal, credential=uid, idempotency_key=key or at.isoformat(),
                       at=at, now=at)


def test_the_booker_enters_from_the_margin_to_the_end_and_not_outside(court, amina, terminal,
                                                                      top_up):
    top_up(court.service, amina.household, 1000)
    _book(court, amina, TUESDAY_10)
    minute = timedelta(minutes=1)
    assert _scan(terminal, TUESDAY_10 - timedelta(minutes=11))["reason_code"] == "no_right"
    allowed = _scan(terminal, TUESDAY_10 - timedelta(minutes=10))
    assert (allowed["decision"], allowed["reason_code"]) == ("allow", "ok")
    assert _scan(terminal, TUESDAY_10 + timedelta(hours=1) - minute)["reason_code"] == "ok"
    assert _scan(terminal, TUESDAY_10 + timedelta(hours=1))["reason_code"] == "no_right"
    assert list(Decision.objects.filter(outcome="allow").values_list("right", flat=True)) == [
        "booking", "booking"]


def test_a_companion_enters_and_a_cancelled_booking_opens_nothing(court, amina, territory,
                                                                  terminal, top_up):
    friend_uid = "04FFEEDDCCBBAA"
    friend = make_person(territory, "Friend Far", uid=friend_uid)
    top_up(court.service, amina.household, 1000)
    booking = _book(court, amina, TUESDAY_10, card_numbers=[friend.card.number])
    assert _scan(terminal, TUESDAY_10, uid=friend_uid)["reason_code"] == "ok"
    operations.cancel(booking=booking, person=amina, actor=None, at=AT)
    assert _scan(terminal, TUESDAY_10 + timedelta(minutes=5))["reason_code"] == "no_right"
    assert _scan(terminal, TUESDAY_10 + timedelta(minutes=5), uid=friend_uid,
                 key="f2")["reason_code"] == "no_right"


def test_covering_names_the_booking_and_windows_list_booker_and_companions(court, amina,
                                                                           territory, top_up):
    friend = make_person(territory, "Friend Far")
    top_up(court.service, amina.household, 1000)
    booking = _book(court, amina, TUESDAY_10, card_numbers=[friend.card.number])
    checkpoint = court.checkpoints.get()
    assert door.granting(amina, checkpoint, TUESDAY_10) == booking.pk
    assert door.granting(friend, checkpoint, TUESDAY_10 + timedelta(hours=1)) is None
    opens, end = TUESDAY_10 - timedelta(minutes=10), TUESDAY_10 + timedelta(hours=1)
    assert door.windows(checkpoint, now=AT) == sorted([(amina.pk, opens, end),
                                                       (friend.pk, opens, end)])
    assert door.windows(checkpoint, now=end) == []
    assert sorted(door.people(booking)) == sorted([amina.pk, friend.pk])


def test_no_shows_read_the_door_log(court, amina, terminal, top_up):
    top_up(court.service, amina.household, 1000)
    came = _book(court, amina, TUESDAY_10)
    missed = _book(court, amina, TUESDAY_10 + timedelta(hours=1))
    _scan(terminal, TUESDAY_10 + timedelta(minutes=2))
    assert operations.mark_no_shows(at=TUESDAY_10 + timedelta(hours=3),
                                    entered=door.entered) == 1
    assert Booking.objects.get(pk=came.pk).no_show is False
    assert Booking.objects.get(pk=missed.pk).no_show is True


def test_without_a_booking_outside_opening_hours_stays_refused(court, amina, terminal):
    refused = _scan(terminal, TUESDAY_20)
    assert (refused["decision"], refused["reason_code"]) == ("deny", "closed")


def test_a_booking_opens_the_door_outside_its_opening_hours(court, amina, terminal, top_up,
                                                             client, manager, settings):
    top_up(court.service, amina.household, 1000)
    booking = _book(court, amina, TUESDAY_20)
    assert _scan(terminal, TUESDAY_20 - timedelta(minutes=11))["reason_code"] == "closed"
    allowed = _scan(terminal, TUESDAY_20 + timedelta(minutes=5))
    assert (allowed["decision"], allowed["reason_code"]) == ("allow", "ok")
    assert _scan(terminal, TUESDAY_20 + timedelta(hours=1))["reason_code"] == "closed"
    logged = Decision.objects.get(outcome="allow")
    assert (logged.right, logged.right_reference) == ("booking", str(booking.pk))
    assert rights.label(logged.right, logged.right_reference) == f"booking no. {booking.pk}"
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(manager)
    assert f"(booking no. {booking.pk})" in client.get(reverse("access:log_rows")).content.decode()


def test_an_enrolment_gives_no_right_outside_the_hours_but_the_booking_does(
        court, court_door, amina, terminal, top_up):
    """Out of hours the booking is the right, never the enrolment (which could charge)."""
    from civicard.wallets.models import Enrolment

    court_door.service = court.service
    court_door.save()
    Enrolment.objects.create(service=court.service, household=amina.household,
                             starts_on=AT.date(), created_at=AT)
    top_up(court.service, amina.household, 1000)
    assert _scan(terminal, TUESDAY_10)["reason_code"] == "ok"
    booking = _book(court, amina, TUESDAY_20)
    assert _scan(terminal, TUESDAY_20)["reason_code"] == "ok"
    assert list(Decision.objects.order_by("at").values_list("right", "right_reference")) == [
        ("enrolment", ""), ("booking", str(booking.pk))]


def _list(terminal, since=None, now=AT):
    return json.loads(allowlist.build(terminal, since=since, now=now))


def _profile(document, uid):
    entries = dict(document["cards"])
    short = allowlist.short(codes.uid_hash(uid))
    return document["profiles"][entries[short]] if short in entries else None


def test_the_offline_allow_list_carries_a_booking_made_since_the_last_sync(court, amina,
                                                                          terminal, top_up):
    top_up(court.service, amina.household, 1000)
    version = _list(terminal)["version"]
    assert _profile(_list(terminal), UID) is None
    booking = _book(court, amina, TUESDAY_20)
    delta = _list(terminal, since=str(version))
    assert (delta["full"], delta["remove"]) == (False, [])
    opens, end = TUESDAY_20 - timedelta(minutes=10), TUESDAY_20 + timedelta(hours=1)
    assert _profile(delta, UID) == {"kind": "granted",
                                    "grants": [[opens.isoformat(), end.isoformat()]]}
    assert _profile(_list(terminal), UID) == _profile(delta, UID)  # a full list says the same
    operations.cancel(booking=booking, person=amina, actor=None, at=AT)
    after = _list(terminal, since=str(delta["version"]))
    assert after["remove"] == [allowlist.short(codes.uid_hash(UID))]
    assert _profile(after, UID) is None


def test_an_enrolled_card_keeps_its_hours_and_gains_the_booked_window(court, court_door, amina,
                                                                      terminal, top_up):
    from civicard.wallets.models import Enrolment

    court_door.service = court.service
    court_door.save()
    Enrolment.objects.create(service=court.service, household=amina.household,
                             starts_on=AT.date(), created_at=AT)
    top_up(court.service, amina.household, 1000)
    _book(court, amina, TUESDAY_20)
    profile = _profile(_list(terminal), UID)
    assert (profile["kind"], profile["opening_hours"]) == ("holder", "Mo-Fr 09:00-12:00")
    assert profile["grants"] == [[(TUESDAY_20 - timedelta(minutes=10)).isoformat(),
                                  (TUESDAY_20 + timedelta(hours=1)).isoformat()]]
    assert _list(terminal, now=TUESDAY_20 + timedelta(hours=1))["profiles"] == [
        _list(terminal)["profiles"][0]]  # once over, the window leaves the list


def _transport(client, at):
    from civicard.core import clock

    def send(method, path, body, headers):
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with clock.frozen(at()):
            if method == "GET":
                response = client.get(path, **extra)
            else:
                response = client.post(path, json.dumps(body), content_type="application/json",
                                       **extra)
        return response.status_code, dict(response.headers), response.content
    return send


def test_the_terminal_simulator_opens_the_court_during_the_slot_only(client, court, amina,
                                                                     court_door, manager,
                                                                     top_up):
    from civicard.simulator.terminal import Simulator

    terminal, token = terminals.register_terminal(checkpoint=court_door, name="Sim",
                                               language="fr", actor=manager, at=AT)
    top_up(court.service, amina.household, 1000)
    _book(court, amina, TUESDAY_10)
    now = {"at": TUESDAY_10 - timedelta(minutes=30)}
    sim = Simulator(transport=_transport(client, lambda: now["at"]), token=token,
                    now=lambda: now["at"])
    assert sim.scan(UID)["reason_code"] == "no_right"
    now["at"] = TUESDAY_10 + timedelta(minutes=20)
    assert (sim.scan(UID)["decision"], sim.scan(UID)["reason_code"]) == ("allow", "ok")
    now["at"] = TUESDAY_10 + timedelta(hours=1, minutes=1)
    assert sim.scan(UID)["reason_code"] == "no_right"


def test_the_no_show_command_marks_bookings_without_an_entry(court, amina, top_up):
    import io

    from django.core.management import call_command

    from civicard.core import clock

    top_up(court.service, amina.household, 1000)
    booking = _book(court, amina, TUESDAY_10)
    out = io.StringIO()
    with clock.frozen(TUESDAY_10 + timedelta(hours=2)):
        call_command("bookings_no_shows", stdout=out)
    assert out.getvalue().strip() == "1 no-show(s) marked."
    assert Booking.objects.get(pk=booking.pk).no_show is True


def test_with_the_network_down_the_simulator_opens_a_court_booked_since_its_last_sync(
        client, court, amina, court_door, manager, top_up):
    from civicard.simulator.terminal import Simulator

    _terminal, token = terminals.register_terminal(checkpoint=court_door, name="Sim",
                                                language="fr", actor=manager, at=AT)
    top_up(court.service, amina.household, 1000)
    now = {"at": AT}
    sim = Simulator(transport=_transport(client, lambda: now["at"]), token=token,
                    now=lambda: now["at"])
    sim.sync()
    _book(court, amina, TUESDAY_20)  # five minutes later, the terminal syncs a delta
    now["at"] = AT + timedelta(minutes=5)
    assert sim.sync()["full"] is False
    sim.offline = True
    outcomes = []
    for at in (TUESDAY_20 - timedelta(minutes=11), TUESDAY_20 + timedelta(minutes=5),
               TUESDAY_20 + timedelta(hours=1)):
        now["at"] = at
        answer = sim.scan(UID)
        outcomes.append((answer["decision"], answer["reason_code"], answer["offline"]))
    assert outcomes == [("deny", "no_right", True), ("allow", "ok", True),
                        ("deny", "no_right", True)]
    sim.offline = False
    assert sim.upload()["recorded"] == 3
    assert list(Decision.objects.filter(outcome="allow").values_list("via", "right")) == [
        ("offline", "booking")]
