from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection, transaction

from civicard.access.decisions import rights
from civicard.access.exceptions import AtInFuture, AtTooOld
from civicard.access.models import Decision, DoorGroup, Quota, QuotaCounter, TimeWindow
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.core.errors import IdempotencyKeyInvalid
from civicard.people.models import Household, Membership, Person
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account, Enrolment, LedgerEntry, ShortageRule, Tariff

from .conftest import AT, UID, enrol, fund, scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(pool_service, make_checkpoint, make_terminal, holder):
    checkpoint = make_checkpoint(pool_service, hours="Mo-Su 08:00-20:00; PH off",
                                 charge_use="entry")
    terminal, _token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    return terminal


def test_allowed_entry_charges_the_tariff_and_answers_in_both_languages(pool, holder):
    answer = scan(pool)
    assert answer["decision"] == "allow" and answer["reason_code"] == "ok"
    assert answer["display_name"] == "Amina"
    assert answer["balance_cents"] == 650
    assert set(answer["messages"]) == {"ar", "fr"}
    assert answer["messages"]["fr"] == "Bienvenue, Amina."
    assert answer["message"] == " / ".join(answer["messages"].values())
    decision = Decision.objects.get()
    assert (decision.person, decision.card, decision.right) == (holder, holder.physical,
                                                                "enrolment")
    assert decision.entry.amount_cents == -350


def test_rotating_qr_code_is_accepted_and_an_old_one_refused(pool, holder):
    now_code = codes.qr_payload(holder.digital.number, holder.digital.secret, AT.timestamp())
    assert scan(pool, now_code, key="a")["decision"] == "allow"
    old = codes.qr_payload(holder.digital.number, holder.digital.secret,
                           AT.timestamp() - 600)
    answer = scan(pool, old, key="b")
    assert (answer["decision"], answer["reason_code"]) == ("deny", "qr_expired")


@pytest.mark.parametrize("credential, reason", [
    ("FFFFFFFFFFFFFF", "card_unknown"),
    ("not a card!", "credential_invalid"),
    ("", "credential_invalid"),
    ("CC1.123", "credential_invalid"),
    ("CC1.000000000000.12345678", "card_unknown"),
    ("Z" * 5000, "credential_invalid"),
])
def test_bad_credentials_are_refused_with_a_reason(pool, credential, reason):
    answer = scan(pool, credential)
    assert (answer["decision"], answer["reason_code"]) == ("deny", reason)
    assert Decision.objects.get().card is None


def test_blocked_and_expired_cards(pool, holder):
    Card.objects.filter(pk=holder.physical.pk).update(status="blocked", block_reason="lost")
    answer = scan(pool, key="a")
    assert answer["reason_code"] == "card_blocked"
    assert Decision.objects.get(idempotency_key="a").card == holder.physical
    Card.objects.filter(pk=holder.physical.pk).update(status="active", block_reason="",
                                                      expires_on=date(2026, 3, 1))
    assert scan(pool, key="b")["reason_code"] == "card_expired"
    assert LedgerEntry.objects.filter(kind="charge").count() == 0


def test_closed_outside_opening_hours_and_on_public_holidays(pool):
    evening = datetime(2026, 3, 2, 20, 30, tzinfo=UTC)  # 21:30 in Paris
    assert scan(pool, key="a", at=evening)["reason_code"] == "closed"
    easter_monday = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
    assert scan(pool, key="b", at=easter_monday)["reason_code"] == "closed"
    ordinary_monday = datetime(2026, 4, 13, 9, 0, tzinfo=UTC)
    assert scan(pool, key="c", at=ordinary_monday)["decision"] == "allow"


def test_no_right_without_enrolment(pool_service, make_checkpoint, make_terminal, holder):
    terminal, _ = make_terminal(make_checkpoint(pool_service, name="Side door"))
    assert scan(terminal)["reason_code"] == "no_right"


def test_insufficient_balance_under_the_refuse_rule_charges_nothing(pool, holder):
    Tariff.objects.update(amount_cents=2000)
    answer = scan(pool)
    assert (answer["decision"], answer["reason_code"]) == ("deny", "insufficient_balance")
    assert Account.objects.get().balance_cents == 1000


def test_serve_and_go_negative_lets_the_balance_go_below_zero(pool, pool_service):
    pool_service.shortage_rule = ShortageRule.SERVE_AND_GO_NEGATIVE
    pool_service.save()
    Tariff.objects.update(amount_cents=2000)
    assert scan(pool)["balance_cents"] == -1000


def test_anti_passback_refuses_a_second_pass_and_takes_back_its_charge(
        pool_service, make_checkpoint, make_terminal, holder):
    checkpoint = make_checkpoint(pool_service, name="Gate", charge_use="entry", passback=60)
    terminal, _ = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    assert scan(terminal, key="a")["decision"] == "allow"
    second = scan(terminal, key="b", at=AT + timedelta(seconds=30))
    assert second["reason_code"] == "already_used"
    assert Account.objects.get().balance_cents == 650
    assert scan(terminal, key="c", at=AT + timedelta(seconds=61))["decision"] == "allow"


@pytest.fixture
def waste(make_service, make_checkpoint, make_terminal, holder):
    service = make_service("waste")
    Tariff.objects.create(service=service, use="visit", amount_cents=500,
                          valid_from=date(2026, 1, 1), created_at=AT)
    Quota.objects.create(service=service, free_per_year=24, max_per_year=34)
    enrol(service, household=holder.household)
    fund(service, holder.household, 10_000)
    terminal, _ = make_terminal(make_checkpoint(service, name="Gate",
                                                facility_name="Waste centre"))
    return terminal


def test_waste_centre_quota_free_then_charged_then_refused(waste, holder):
    answers = [scan(waste, key=f"v{i}", at=AT + timedelta(minutes=i)) for i in range(35)]
    assert [a["remaining_quota"] for a in answers[:3]] == [23, 22, 21]
    assert all(a["balance_cents"] is None for a in answers[:24])
    assert answers[24]["balance_cents"] == 9500
    assert answers[33]["balance_cents"] == 5000
    assert (answers[34]["decision"], answers[34]["reason_code"]) == ("deny", "quota_exceeded")
    assert QuotaCounter.objects.get().used == 34
    # a new year starts again from zero
    next_year = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert scan(waste, key="ny", at=next_year)["remaining_quota"] == 23


def test_a_visit_that_became_paid_since_the_read_is_taken_back_when_unpaid(
        waste, holder, monkeypatch):
    """The read saw a free visit left; another visit came in before the write, so the locked
    counter makes this one paid; the balance is empty: refused, and its visit taken back."""
    from civicard.access.decisions import decide

    wallets.charge(account=Account.objects.get(), amount_cents=10_000, reason="spent",
                   idempotency_key="spent", actor=None, at=AT)
    QuotaCounter.objects.create(quota=Quota.objects.get(), household=holder.household,
                                year=2026, used=23)
    real_read = decide.read

    def read_then_another_visit(*args):
        context = real_read(*args)
        QuotaCounter.objects.update(used=24)
        return context

    monkeypatch.setattr(decide, "read", read_then_another_visit)
    assert scan(waste)["reason_code"] == "insufficient_balance"
    assert QuotaCounter.objects.get().used == 24
    assert not Decision.objects.get().counted


def test_a_refused_charge_takes_back_the_quota_visit(waste, holder):
    QuotaCounter.objects.create(quota=Quota.objects.get(), household=holder.household,
                                year=2026, used=24)
    wallets.charge(account=Account.objects.get(), amount_cents=10_000, reason="spent",
                   idempotency_key="spent", actor=None, at=AT)
    assert scan(waste)["reason_code"] == "insufficient_balance"
    assert QuotaCounter.objects.get().used == 24


@pytest.fixture
def cleaning(territory, make_checkpoint, make_terminal, holder):
    door = make_checkpoint(None, name="Main door", hours="Mo-Fr 08:30-17:00; PH off",
                           facility_name="School Jules Ferry", kind="door")
    group = DoorGroup.objects.create(territory=territory, name="Cleaning team")
    group.facilities.add(door.facility)
    group.members.add(holder)
    for day in range(5):
        TimeWindow.objects.create(group=group, weekday=day, starts=time(6), ends=time(8))
    TimeWindow.objects.create(group=group, weekday=4, starts=time(22), ends=time(2))
    terminal, _ = make_terminal(door)
    return terminal


@pytest.mark.parametrize("local, outcome", [
    (datetime(2026, 3, 2, 6, 30), "allow"),   # Monday, in the window, before opening
    (datetime(2026, 3, 2, 8, 0), "closed"),   # window over, school not open yet
    (datetime(2026, 3, 2, 9, 0), "no_right"),  # open, but staff right only in the window
    (datetime(2026, 3, 6, 23, 0), "allow"),   # Friday night window...
    (datetime(2026, 3, 7, 1, 59), "allow"),   # ...runs past midnight into Saturday
    (datetime(2026, 3, 7, 2, 0), "closed"),
    (datetime(2026, 3, 5, 23, 0), "closed"),  # Thursday night: no window
])
def test_staff_windows_including_across_midnight(cleaning, local, outcome):
    from zoneinfo import ZoneInfo
    at = local.replace(tzinfo=ZoneInfo("Europe/Paris"))
    answer = scan(cleaning, at=at)
    assert (answer["reason_code"] if answer["decision"] == "deny" else "allow") == outcome
    if outcome == "allow":
        assert Decision.objects.get().right == "staff"


def test_booking_hook_gives_a_right(make_service, make_checkpoint, make_terminal, holder):
    terminal, _ = make_terminal(make_checkpoint(make_service("squash"), name="Court door"))
    assert scan(terminal, key="a")["reason_code"] == "no_right"

    def booked(person, checkpoint, at):
        return 7 if person == holder and at == AT else None

    # beside bookings' own "booking" source
    rights.register(rights.Source(name="test_source", grant=booked))
    try:
        assert scan(terminal, key="b")["decision"] == "allow"
        decision = Decision.objects.get(idempotency_key="b")
        assert (decision.right, decision.right_reference) == ("test_source", "7")
    finally:
        rights.unregister("test_source")


def test_retry_returns_the_first_answer_and_charges_once(pool):
    first = scan(pool, key="same")
    Tariff.objects.update(amount_cents=1)
    again = scan(pool, key="same", at=AT + timedelta(seconds=3),
                 now=AT + timedelta(seconds=3))
    assert again == first
    assert Decision.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1


def test_times_and_keys_out_of_bounds_are_refused_and_not_logged(pool):
    with pytest.raises(AtInFuture):
        scan(pool, at=AT + timedelta(minutes=5), now=AT)
    with pytest.raises(AtTooOld):
        scan(pool, at=AT - timedelta(hours=1), now=AT)
    with pytest.raises(IdempotencyKeyInvalid):
        scan(pool, key="")
    with pytest.raises(IdempotencyKeyInvalid):
        scan(pool, key="x" * 101)
    assert Decision.objects.count() == 0


def test_rights_read_with_the_card_across_households_and_ages(make_service, make_checkpoint,
                                                             make_terminal, holder, territory):
    library = make_service("library", mode="free")
    terminal, _ = make_terminal(make_checkpoint(library, name="Desk", kind="library_desk"))
    Person.objects.filter(pk=holder.pk).update(birth_date=date(1990, 5, 1))
    Enrolment.objects.create(service=library, person=holder, max_age=17,
                                          starts_on=date(2026, 1, 1), created_at=AT)
    assert scan(terminal, key="a")["reason_code"] == "no_right"  # 35: too old for her own
    other = Household.objects.create(territory=territory)
    Membership.objects.create(household=other, person=holder, is_guardian=False)
    enrol(library, household=other)
    answer = scan(terminal, key="b")
    assert (answer["decision"], answer["reason_code"]) == ("allow", "ok")
    decision = Decision.objects.get(idempotency_key="b")
    assert (decision.right, decision.household_id) == ("enrolment", holder.household.pk)


@pytest.mark.parametrize("statement", ["UPDATE access_decision SET outcome = 'allow'",
                                       "DELETE FROM access_decision"])
def test_the_database_keeps_the_decision_log_append_only(pool, statement):
    scan(pool)
    with pytest.raises(Exception) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert "append-only" in str(caught.value)
    assert Decision.objects.get().outcome == "allow"


def test_a_source_with_windows_opens_out_of_hours_online_and_on_the_allow_list(
        make_service, make_checkpoint, make_terminal, holder):
    """The hook a capability implements (rights.Source): a grant now, out of hours; its
    windows on the holder's card in the allow-list; rights.changed puts it in the delta."""
    import json

    from civicard.access import allowlist

    door = make_checkpoint(make_service("club"), name="Club door", hours="Mo-Fr 09:00-12:00")
    terminal, _ = make_terminal(door)
    night = AT + timedelta(hours=11)  # Monday 21:00 in Paris: closed
    slot = (night - timedelta(minutes=30), night + timedelta(minutes=30))
    given = []

    def grant(person, checkpoint, at):
        return "slot-1" if given and person == holder and slot[0] <= at < slot[1] else None

    def windows(checkpoint, *, now):
        return [(holder.pk, *slot)] if given and checkpoint == door and now < slot[1] else []

    version = json.loads(allowlist.build(terminal, since=None, now=AT))["version"]
    rights.register(rights.Source(name="club", grant=grant, windows=windows, out_of_hours=True))
    try:
        given.append(True)
        rights.changed([holder.pk], at=AT)
        assert scan(terminal, key="in", at=night, now=night)["reason_code"] == "ok"
        assert scan(terminal, key="late", at=slot[1], now=slot[1])["reason_code"] == "closed"
        decision = Decision.objects.get(idempotency_key="in")
        assert (decision.right, decision.right_reference) == ("club", "slot-1")
        delta = json.loads(allowlist.build(terminal, since=str(version), now=AT))
        short = allowlist.short(codes.uid_hash(UID))
        assert delta["cards"] == [[short, 1]]
        assert delta["profiles"][1] == {"kind": "granted", "grants": [
            [slot[0].isoformat(), slot[1].isoformat()]]}
    finally:
        rights.unregister("club")
