import base64
import json
from datetime import date, timedelta

import pytest

from civicard.access import signing
from civicard.access.api import ScanOut
from civicard.access.models import AccessChange, Decision, Quota
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.cards.operations import block_card
from civicard.core import clock
from civicard.wallets.models import Account, LedgerEntry, Tariff
from tests.races import race

from .conftest import AT, UID, enrol, fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(pool_service, make_checkpoint, make_terminal, holder):
    checkpoint = make_checkpoint(pool_service, hours="24/7", charge_use="entry")
    terminal, token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    return terminal, token


def post(client, path, body, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(f"/api/terminals/{path}", json.dumps(body),
                       content_type="application/json", **headers)


def test_scan_through_the_api(client, pool):
    terminal, token = pool
    with clock.frozen(AT):
        response = post(client, "scan", {"credential": UID, "idempotency_key": "a"}, token)
    assert response.status_code == 200
    assert response.json()["decision"] == "allow"
    assert response.json()["balance_cents"] == 650
    terminal.refresh_from_db()
    assert terminal.last_seen_at == AT


@pytest.mark.parametrize("credential", [UID, "0102030405"])
def test_every_answer_has_exactly_the_published_shape(client, pool, credential):
    _terminal, token = pool
    with clock.frozen(AT):
        response = post(client, "scan", {"credential": credential, "idempotency_key": "s"},
                        token)
    answer = response.json()
    assert sorted(answer) == sorted(ScanOut.model_fields)
    assert ScanOut.model_validate(answer).model_dump() == answer


@pytest.mark.parametrize("token", [None, "", "cct_wrong", "x" * 500])
def test_unknown_token_is_401_and_logs_nothing(client, pool, token):
    with clock.frozen(AT):
        response = post(client, "scan", {"credential": UID, "idempotency_key": "a"}, token)
    assert response.status_code == 401
    assert response.json()["code"] == "terminal_unauthorized"
    assert Decision.objects.count() == 0


def test_revoked_token_is_401(client, pool, manager):
    from civicard.access.terminals import revoke_terminal
    terminal, token = pool
    revoke_terminal(terminal=terminal, actor=manager, at=AT)
    with clock.frozen(AT):
        response = post(client, "scan", {"credential": UID, "idempotency_key": "a"}, token)
        listing = client.get("/api/terminals/allowlist", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (response.status_code, listing.status_code) == (401, 401)
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("body, code", [
    ({"credential": UID}, "invalid_input"),
    ({"credential": UID, "idempotency_key": "a", "at": "yesterday"}, "invalid_input"),
    ({"credential": UID, "idempotency_key": "a", "at": "2026-03-02T10:00:00Z"},
     "at_in_future"),
    ({"credential": 12, "idempotency_key": "a"}, "invalid_input"),
    ({"credential": UID, "idempotency_key": ""}, "idempotency_key_invalid"),
])
def test_bad_input_gets_a_clear_code(client, pool, body, code):
    _terminal, token = pool
    with clock.frozen(AT):
        response = post(client, "scan", body, token)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert Decision.objects.count() == 0


def test_not_json_is_refused_cleanly(client, pool):
    _terminal, token = pool
    response = client.post("/api/terminals/scan", "{{{", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (400, 422)


def _allowlist(client, token, since=None):
    url = "/api/terminals/allowlist" + (f"?since={since}" if since is not None else "")
    with clock.frozen(AT):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return response


def test_allowlist_is_signed_and_a_changed_byte_breaks_the_signature(client, pool, holder):
    _terminal, token = pool
    response = _allowlist(client, token)
    public = client.get("/api/terminals/public-key").json()["public_key"]
    signature = response["X-Civicard-Signature"]
    assert signing.verify(response.content, signature, public)
    body = bytearray(response.content)
    body[len(body) // 2] ^= 0x01
    assert not signing.verify(bytes(body), signature, public)
    document = json.loads(response.content)
    key = base64.b64decode(document["hash"]["key"])
    import hashlib
    import hmac
    expected = hmac.new(key, UID.encode(), hashlib.sha256).hexdigest()[:20]
    assert document["full"] is True
    assert document["cards"] == [[expected, 0]]
    assert document["profiles"][0]["charge"] is True


def test_delta_after_a_block_removes_the_card(client, pool, holder, agent):
    _terminal, token = pool
    version = json.loads(_allowlist(client, token).content)["version"]
    short = holder.physical.uid_hash[:20]
    # changes written within allowlist.OVERLAP before the version are sent again, as they are now
    assert json.loads(_allowlist(client, token, version).content)["cards"] == [[short, 0]]
    block_card(card=holder.physical, reason="lost", actor=agent, at=AT)
    delta = json.loads(_allowlist(client, token, version).content)
    assert delta["full"] is False and delta["since"] == version
    assert delta["cards"] == []
    assert delta["remove"] == [holder.physical.uid_hash[:20]]
    assert delta["version"] > version
    again = json.loads(_allowlist(client, token, delta["version"]).content)
    assert (again["cards"], again["remove"]) == ([], [short])  # the block, within the overlap


def test_bad_version_is_refused(client, pool):
    _terminal, token = pool
    response = client.get("/api/terminals/allowlist?since=abc",
                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (response.status_code, response.json()["code"]) == (422, "version_invalid")


def test_allowlist_excludes_the_unenrolled_and_gives_staff_their_windows(
        client, pool, territory, agent):
    from datetime import time

    from civicard.access.models import DoorGroup, TimeWindow
    from civicard.people.models import Person
    terminal, token = pool
    other = Person.objects.create(full_name="Paul Martin")
    Card.objects.create(person=other, kind="physical", number=codes.new_number(),
                        uid_hash=codes.uid_hash("AABBCCDD"), status="active", issued_at=AT,
                        expires_on=date(2030, 1, 1))
    assert len(json.loads(_allowlist(client, token).content)["cards"]) == 1
    group = DoorGroup.objects.create(territory=territory, name="Lifeguards")
    group.checkpoints.add(terminal.checkpoint)
    TimeWindow.objects.create(group=group, weekday=0, starts=time(22), ends=time(6))
    group.members.add(other)
    document = json.loads(_allowlist(client, token).content)
    staff = [c for c in document["cards"] if c[1] != 0]
    assert staff == [[codes.uid_hash("AABBCCDD")[:20], 1]]
    assert document["profiles"][1]["windows"] == [[0, "22:00", "06:00"]]
    assert AccessChange.objects.filter(person=other).exists()


def _events(client, token, events):
    with clock.frozen(AT + timedelta(hours=2)):
        return post(client, "events", {"events": events}, token)


def test_events_uploaded_twice_are_recorded_once_and_charged_once(client, pool, holder):
    _terminal, token = pool
    events = [{"idempotency_key": f"off-{i}", "credential": UID,
               "at": (AT + timedelta(minutes=i)).isoformat(), "decision": "allow"}
              for i in range(3)]
    events.append({"idempotency_key": "off-x", "credential": "DEADBEEF",
                   "at": AT.isoformat(), "decision": "deny", "reason_code": "card_unknown"})
    first = _events(client, token, events).json()
    assert (first["recorded"], first["duplicates"]) == (4, 0)
    second = _events(client, token, events).json()
    assert (second["recorded"], second["duplicates"]) == (0, 4)
    assert Decision.objects.filter(via="offline").count() == 4
    # 10.00 pays two entries of 3.50; the third is owed, recorded as a shortfall
    assert LedgerEntry.objects.filter(kind="charge").count() == 2
    assert Account.objects.get().balance_cents == 1000 - 2 * 350
    assert Decision.objects.get(idempotency_key="off-2").shortfall_cents == 350


def test_offline_entry_without_enough_money_is_recorded_as_a_shortfall(client, pool):
    _terminal, token = pool
    Tariff.objects.update(amount_cents=5000)
    result = _events(client, token, [{"idempotency_key": "o1", "credential": UID,
                                      "at": AT.isoformat(), "decision": "allow"}]).json()
    assert result["results"][0]["shortfall_cents"] == 5000
    decision = Decision.objects.get()
    assert (decision.outcome, decision.shortfall_cents, decision.entry) == ("allow", 5000, None)
    assert Account.objects.get().balance_cents == 1000


def test_offline_visits_count_even_above_the_quota(client, pool, pool_service, holder):
    _terminal, token = pool
    Quota.objects.create(service=pool_service, free_per_year=0, max_per_year=0,
                         charge_use="entry")
    result = _events(client, token, [{"idempotency_key": "o1", "credential": UID,
                                      "at": AT.isoformat(), "decision": "allow"}]).json()
    assert result["recorded"] == 1
    assert Decision.objects.get().counted is True


def test_bad_events_are_rejected_one_by_one(client, pool):
    _terminal, token = pool
    result = _events(client, token, [
        {"idempotency_key": "f", "credential": UID, "at": (AT + timedelta(days=1)).isoformat(),
         "decision": "allow"},
        {"idempotency_key": "g", "credential": UID, "at": AT.isoformat(), "decision": "maybe"},
    ]).json()
    assert [r["code"] for r in result["results"]] == ["at_in_future", "decision_invalid"]
    assert Decision.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_same_scan_twenty_times_at_once_logs_once_and_charges_once(
        postgres_only, pool_service, make_checkpoint, make_terminal, holder):
    from civicard.access.decisions import decide
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    terminal, _token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 10_000)
    answers = race(20, lambda _index: decide.scan(terminal=terminal, credential=UID,
                                                  idempotency_key="race", at=AT, now=AT))
    assert len(answers) == 20 and all(a == answers[0] for a in answers)
    assert Decision.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert Account.objects.get().balance_cents == 10_000 - 350


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("balance, allowed", [(10_000, 20), (1_000, 2)])
def test_one_card_paying_twenty_entries_at_once_is_charged_exactly(
        postgres_only, pool_service, make_checkpoint, make_terminal, holder, balance, allowed):
    """Twenty different scans of one card race: each may read the same balance, and the
    write, on the locked account, charges under the rule (never below zero)."""
    from civicard.access.decisions import decide
    from civicard.wallets.queries import check_ledger
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    _terminal, token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, balance)
    answers = race(20, lambda index: decide.scan_by_token(
        token, credential=UID, idempotency_key=f"entry-{index}", at=AT, now=AT))
    assert sorted(a["reason_code"] for a in answers) == sorted(
        ["ok"] * allowed + ["insufficient_balance"] * (20 - allowed))
    assert sorted(a["balance_cents"] for a in answers if a["decision"] == "allow") == [
        balance - 350 * n for n in range(allowed, 0, -1)]
    assert LedgerEntry.objects.filter(kind="charge").count() == allowed
    assert Decision.objects.filter(outcome="allow", entry__isnull=False).count() == allowed
    assert Account.objects.get().balance_cents == balance - 350 * allowed
    assert check_ledger() == []
