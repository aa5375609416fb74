"""Each rule of access/decisions/rules.py on a ScanContext built by hand: no database (a
query here would fail, as these tests are not marked django_db)."""

from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import pytest

from civicard.access.decisions import rules
from civicard.access.decisions.read import ScanContext
from civicard.access.decisions.rights import Grant
from civicard.access.models import Checkpoint, DoorGroup, Facility, Quota, TimeWindow
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.people.models import Person
from civicard.wallets.models import Account, Enrolment, Service, ShortageRule, Tariff
from civicard.wallets.queries import Home

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
NIGHT = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # 23:00 in Paris
UID = "04A1B2C3D4E5F6"
BOOKED = Grant("booking", "42", out_of_hours=True)  # a booked slot: opens out of hours
HOME = Home(id=7, territory_id=1, address_id=None, income_bracket_id=None, commune_id=None)


def service(*, quota: Quota | None = None, mode="prepaid_wallet", rule=ShortageRule.REFUSE,
            floor=None) -> Service:
    made = Service(pk=3, territory_id=1, name="Pool", slug="pool", payment_mode=mode,
                   shortage_rule=rule, floor_cents=floor)
    if quota is None:
        Service._meta.get_field("quota").set_cached_value(made, None)
    else:
        quota.service = made  # caches the service's quota too
    return made


def checkpoint(served: Service | None = None, *, hours="Mo-Su 08:00-20:00", charge_use="",
               passback=None) -> Checkpoint:
    return Checkpoint(pk=5, facility=Facility(pk=2, territory_id=1, name="Pool"),
                      name="Turnstile", service=served, opening_hours=hours, country="FR",
                      charge_use=charge_use, passback_seconds=passback)


def card(**fields) -> Card:
    person = Person(pk=11, full_name="Amina Benali", language="ar",
                    birth_date=date(1990, 5, 1))
    values = {"kind": "physical", "status": "active", "expires_on": date(2030, 1, 1),
              "number": "1234"} | fields
    return Card(pk=13, person=person, **values)


def context(at_checkpoint: Checkpoint, **fields) -> ScanContext:
    values = {"credential": UID, "readable": True, "card": card(), "homes": (HOME,)} | fields
    return ScanContext(checkpoint=at_checkpoint, at=fields.pop("at", AT), **{
        k: v for k, v in values.items() if k != "at"})


def enrolment(served: Service, **fields) -> Enrolment:
    return Enrolment(pk=17, service=served, household_id=HOME.id, starts_on=date(2026, 1, 1),
                     **fields)


def tariff(served: Service, use: str, cents: int, **fields) -> Tariff:
    return Tariff(pk=19 + cents, service=served, use=use, amount_cents=cents,
                  valid_from=date(2026, 1, 1), **fields)


def account(served: Service, balance: int) -> Account:
    return Account(pk=23, household_id=HOME.id, service=served, currency="EUR",
                   balance_cents=balance)


def staff(*, out_of_hours: bool, weekday=0, starts=time(6), ends=time(23, 30)) -> TimeWindow:
    return TimeWindow(pk=29, group=DoorGroup(pk=31, name="Cleaning", out_of_hours=out_of_hours),
                      weekday=weekday, starts=starts, ends=ends)


# Rule 1: the card ---------------------------------------------------------------------------

def test_rule_1_refuses_what_is_not_a_credential_then_the_card_itself():
    pool = checkpoint()
    assert rules.card_refusal(context(pool, readable=False, card=None)) == "credential_invalid"
    assert rules.card_refusal(context(pool, card=None)) == "card_unknown"
    assert rules.card_refusal(context(pool, card=card(status="blocked"))) == "card_blocked"
    assert rules.card_refusal(
        context(pool, card=card(expires_on=date(2026, 3, 1)))) == "card_expired"
    assert rules.card_refusal(context(pool)) is None


def test_rule_1_takes_a_current_phone_code_and_refuses_an_old_one():
    secret = codes.new_secret()
    phone = card(kind="digital", secret=secret)
    current = codes.qr_payload("1234", secret, AT.timestamp())
    old = codes.qr_payload("1234", secret, (AT - timedelta(minutes=5)).timestamp())
    assert rules.card_refusal(context(checkpoint(), card=phone, credential=current)) is None
    assert rules.card_refusal(
        context(checkpoint(), card=phone, credential=old)) == "qr_expired"
    assert rules.card_refusal(
        context(checkpoint(), card=phone, credential="CC1.1234.00000000")) == "card_unknown"


# Rule 2: opening hours ------------------------------------------------------------------------

def test_rule_2_closes_outside_the_hours_unless_a_staff_group_opens_out_of_hours():
    pool = checkpoint()
    assert not rules.closed(context(pool), None)
    at_night = context(pool, at=NIGHT)
    assert rules.closed(at_night, None)
    assert rules.closed(at_night, staff(out_of_hours=False).group)
    assert not rules.closed(at_night, staff(out_of_hours=True).group)


def test_rule_2_lets_a_grant_with_its_own_times_through_outside_the_hours():
    at_night = partial(context, checkpoint(), at=NIGHT)
    assert not rules.closed(at_night(granted_by=(BOOKED,)), None)
    assert rules.closed(at_night(granted_by=(Grant("club", "3"),)), None)
    assert rules.decide(at_night(granted_by=(BOOKED,))) == rules.Verdict(
        "allow", "ok", "booking", rules.Plan(), "42")
    assert rules.decide(at_night(granted_by=(Grant("club", "3"),))).reason == "closed"


def test_unreadable_opening_hours_are_closed():
    assert not rules.is_open(context(checkpoint(hours="not hours at all")))


def test_a_staff_window_that_opens_out_of_hours_is_preferred():
    day_only, night = staff(out_of_hours=False), staff(out_of_hours=True)
    night.group.pk = 37
    assert rules.staff_group(context(checkpoint(), staff_windows=(day_only, night))) is night.group
    assert rules.staff_group(context(checkpoint(), staff_windows=(day_only,))) is day_only.group
    tuesday = staff(out_of_hours=True, weekday=1)
    assert rules.staff_group(context(checkpoint(), staff_windows=(tuesday,))) is None


# Rule 3: a right here --------------------------------------------------------------------------

def test_rule_3_finds_staff_first_then_an_enrolment_then_another_capabilitys_right():
    pool = service()
    here = checkpoint(pool)
    window = staff(out_of_hours=False)
    enrolled = context(here, enrolments=(enrolment(pool),), granted_by=(BOOKED,))
    assert rules.right_here(enrolled, window.group) == Grant("staff")
    assert rules.right_here(enrolled, None) == Grant("enrolment")
    assert rules.right_here(context(here, granted_by=(BOOKED,)), None) == BOOKED
    assert rules.right_here(context(here), None) is None


def test_rule_3_outside_the_hours_counts_only_what_opens_out_of_hours():
    pool = service()
    at_night = partial(context, checkpoint(pool), at=NIGHT, enrolments=(enrolment(pool),))
    assert rules.right_here(at_night(), None) is None
    assert rules.right_here(at_night(granted_by=(Grant("club", "3"), BOOKED)),
                            staff(out_of_hours=False).group) == BOOKED
    assert rules.right_here(at_night(granted_by=(BOOKED,)),
                            staff(out_of_hours=True).group) == Grant("staff")


def test_rule_3_checks_an_enrolments_ages_on_the_day():
    pool = service()
    too_old = context(checkpoint(pool), enrolments=(enrolment(pool, max_age=17),))
    assert rules.right_here(too_old, None) is None


def test_an_entry_allowed_offline_keeps_its_right_or_is_marked_offline():
    pool = service()
    assert rules.offline_right(
        context(checkpoint(pool), enrolments=(enrolment(pool),))) == Grant("enrolment")
    assert rules.offline_right(context(checkpoint(pool))) == Grant("offline")
    assert rules.offline_right(context(checkpoint(pool), at=NIGHT, granted_by=(BOOKED,))) == BOOKED


# What an entry writes, rule 4: the quota --------------------------------------------------------

def test_only_an_enrolment_counts_and_pays():
    pool = service()
    here = checkpoint(pool, charge_use="entry")
    ctx = context(here, tariffs=(tariff(pool, "entry", 350),))
    assert rules.plan(ctx, "enrolment") == rules.Plan(use="entry", price_cents=350)
    assert rules.plan(ctx, "staff") == rules.Plan()
    assert rules.plan(ctx, "booking") == rules.Plan()
    assert not rules.Plan().writes


def test_a_quota_is_free_then_charged_with_its_own_tariff():
    waste = service(quota=Quota(free_per_year=24, max_per_year=34, charge_use="visit"))
    ctx = context(checkpoint(waste), tariffs=(tariff(waste, "visit", 500),), quota_used=3)
    assert rules.plan(ctx, "enrolment") == rules.Plan(counts=True, use="", price_cents=0,
                                                      remaining_quota=20)
    assert rules.plan(ctx, "enrolment", used=24) == rules.Plan(
        counts=True, use="visit", price_cents=500, remaining_quota=0)


def test_rule_4_refuses_at_the_yearly_maximum():
    quota = Quota(free_per_year=24, max_per_year=34, charge_use="visit")
    assert not rules.quota_exceeded(quota, 33)
    assert rules.quota_exceeded(quota, 34)


def test_a_price_without_a_tariff_or_at_a_free_service_is_nothing():
    pool = service()
    assert rules.price(context(checkpoint(pool)), "entry") == 0
    library = service(mode="free")
    assert rules.price(context(checkpoint(library), tariffs=(tariff(library, "entry", 1),)),
                       "entry") == 0


# Rule 5: the balance ----------------------------------------------------------------------------

def test_rule_5_follows_the_services_shortage_rule():
    refuse = service()
    assert not rules.balance_short(account(refuse, 350), 350)
    assert rules.balance_short(account(refuse, 349), 350)
    assert rules.balance_short(None, 350)
    assert not rules.balance_short(None, 0)
    floor = service(rule=ShortageRule.SERVE_AND_GO_NEGATIVE, floor=-500)
    assert not rules.balance_short(account(floor, 150), 650)
    assert rules.balance_short(account(floor, 149), 650)
    no_limit = service(rule=ShortageRule.SERVE_AND_GO_NEGATIVE)
    assert not rules.balance_short(account(no_limit, -10_000), 650)


# Rule 6: anti-passback -------------------------------------------------------------------------

def test_rule_6_refuses_a_second_pass_only_where_anti_passback_is_set():
    assert rules.passed_back(context(checkpoint(passback=60), passed_recently=True))
    assert not rules.passed_back(context(checkpoint(passback=60)))
    assert not rules.passed_back(context(checkpoint(), passed_recently=True))


# The verdict, rule by rule ------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "reason"), [
    ({"readable": False, "card": None}, "credential_invalid"),
    ({"card": card(status="blocked"), "at": NIGHT}, "card_blocked"),
    ({"at": NIGHT, "enrolments": ()}, "closed"),
    ({"enrolments": (), "quota_used": 34}, "no_right"),
    ({"quota_used": 34, "account": None, "passed_recently": True}, "quota_exceeded"),
    ({"quota_used": 24, "account": None, "passed_recently": True}, "insufficient_balance"),
    ({"quota_used": 24, "passed_recently": True}, "already_used"),
    ({"quota_used": 24}, "ok"),
])
def test_the_first_refusal_in_the_order_of_the_rules_gives_the_reason(changes, reason):
    waste = service(quota=Quota(free_per_year=24, max_per_year=34, charge_use="visit"))
    ctx = context(checkpoint(waste, passback=60), **{
        "enrolments": (enrolment(waste),), "tariffs": (tariff(waste, "visit", 500),),
        "account": account(waste, 1000)} | changes)
    verdict = rules.decide(ctx)
    assert verdict.reason == reason
    assert verdict.allowed == (reason == "ok")
    if reason == "ok":
        assert verdict == rules.Verdict("allow", "ok", "enrolment", rules.Plan(
            counts=True, use="visit", price_cents=500, remaining_quota=0))
