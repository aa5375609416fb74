"""Closing a month: each attendance priced once, charged under the service's shortage rule,
proven by `civicard check-billing`; and the prices themselves."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from civicard.childhood import operations, pricing
from civicard.childhood.models import (
    BilledLine,
    Period,
    Reservation,
    Statement,
    UnitDay,
    UnitPrice,
)
from civicard.childhood.queries import check_billing
from civicard.core.errors import DomainError
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account, LedgerEntry, ShortageRule

from .conftest import AT, CLOSING, MONDAY
from .test_operations import open_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def february(family, canteen, manager):
    """Yanis booked Monday to Friday (four open days) and marked: present, absent, late
    cancellation, left unmarked; Lina, not booked, came once (unexpected)."""
    amina, household, yanis, lina = family
    unit = canteen.units.get()
    UnitPrice.objects.filter(unit=unit).update(unexpected_amount_cents=500)
    for child in (yanis, lina):
        operations.enrol_child(activity=canteen, child=child, actor=amina, at=AT)
    days = [d.day for d in open_week(unit)]
    for day in days:
        operations.reserve(child=yanis, unit=unit, day=day, actor=amina, at=AT)
    unit_days = {d.day: d for d in UnitDay.objects.filter(unit=unit)}
    noon = datetime(2026, 2, 9, 11, 0, tzinfo=UTC)
    operations.mark(unit_day=unit_days[days[0]], child=yanis, mark="present", at=noon)
    operations.mark(unit_day=unit_days[days[1]], child=yanis, mark="absent", at=noon)
    operations.cancel(child=yanis, unit=unit, day=days[2], actor=amina, at=noon + timedelta(
        days=2))
    operations.mark(unit_day=unit_days[days[0]], child=lina, mark="present", at=noon)
    return SimpleNamespace(household=household, unit=unit, days=days, yanis=yanis, lina=lina,
                           activity=canteen, manager=manager)


def test_closing_prices_each_attendance_and_charges_the_wallet_once(february):
    period = operations.close_month(activity=february.activity, month=date(2026, 2, 1),
                                    actor=february.manager, at=CLOSING)
    lines = sorted(BilledLine.objects.values_list("reservation__child__full_name", "state",
                                                  "amount_cents"))
    assert lines == [
        ("Lina Benali", "unexpected", 500),
        ("Yanis Benali", "absent_unjustified", 350),
        ("Yanis Benali", "late_cancelled", 350),
        ("Yanis Benali", "present", 350),
        ("Yanis Benali", "reserved", 350),
    ]
    statement = Statement.objects.get(period=period)
    assert statement.total_cents == 1900 and statement.refused_code == ""
    account = Account.objects.get(household=february.household)
    assert account.balance_cents == -1900  # the canteen serves and goes negative
    assert statement.entry.amount_cents == -1900
    again = operations.close_month(activity=february.activity, month=date(2026, 2, 1),
                                   actor=february.manager, at=CLOSING + timedelta(hours=1))
    assert again.pk == period.pk
    assert (BilledLine.objects.count(), LedgerEntry.objects.count()) == (5, 1)
    assert check_billing() == []
    call_command("check_billing")


def test_a_closed_day_refuses_any_change(february):
    operations.close_month(activity=february.activity, month=date(2026, 2, 1),
                           actor=february.manager, at=CLOSING)
    unit_day = UnitDay.objects.get(unit=february.unit, day=february.days[3])
    before = list(Reservation.objects.values_list("pk", "state", "arrived_at"))
    for call in (
        lambda: operations.mark(unit_day=unit_day, child=february.yanis, mark="present",
                                at=CLOSING),
        lambda: operations.mark(unit_day=unit_day, child=february.lina, mark="present",
                                at=CLOSING),
        lambda: operations.cancel(child=february.yanis, unit=february.unit,
                                  day=february.days[3], actor=february.manager, at=CLOSING),
        lambda: operations.reserve(child=february.lina, unit=february.unit,
                                   day=february.days[3], actor=february.manager, at=CLOSING),
    ):
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == "day_closed"
    assert list(Reservation.objects.values_list("pk", "state", "arrived_at")) == before


def test_a_month_not_over_cannot_be_closed(february):
    with pytest.raises(DomainError) as caught:
        operations.close_month(activity=february.activity, month=date(2026, 2, 1),
                               actor=february.manager, at=datetime(2026, 2, 27, tzinfo=UTC))
    assert caught.value.code == "month_not_over"
    assert Period.objects.count() == 0


def test_a_service_that_refuses_keeps_the_statement_unpaid_until_topped_up(february, agent):
    service = february.activity.service
    service.shortage_rule = ShortageRule.REFUSE
    service.save()
    operations.close_month(activity=february.activity, month=date(2026, 2, 1),
                           actor=february.manager, at=CLOSING)
    statement = Statement.objects.get()
    assert (statement.entry, statement.refused_code) == (None, "insufficient_balance")
    assert LedgerEntry.objects.count() == 0
    assert check_billing() == []
    account = Account.objects.get(household=february.household)
    wallets.top_up(account=account, amount_cents=2000, means="cash", reason="top-up",
                   idempotency_key="t1", actor=agent, at=CLOSING)
    operations.charge_again(statement=statement, actor=february.manager, at=CLOSING)
    operations.charge_again(statement=statement, actor=february.manager, at=CLOSING)
    statement.refresh_from_db()
    account.refresh_from_db()
    assert (statement.refused_code, account.balance_cents) == ("", 100)
    assert check_billing() == []


def test_the_check_finds_a_line_at_the_wrong_price_and_a_missing_line(february):
    operations.close_month(activity=february.activity, month=date(2026, 2, 1),
                           actor=february.manager, at=CLOSING)
    line = BilledLine.objects.get(state="present")
    BilledLine.objects.filter(pk=line.pk).update(amount_cents=1)
    BilledLine.objects.filter(state="reserved").delete()
    problems = check_billing()
    assert len(problems) == 3, problems
    assert any(f"reservation {line.reservation_id} billed 1 != 350" in p for p in problems)
    assert any("not billed" in p for p in problems)
    assert any("total 1900 != lines 1201" in p for p in problems)


def price(amount, **fields):
    return SimpleNamespace(pk=fields.pop("pk", 1), amount_cents=amount,
                           unexpected_amount_cents=fields.pop("unexpected", None),
                           floor_cents=fields.pop("floor", None),
                           ceiling_cents=fields.pop("ceiling", None),
                           income_bracket_id=fields.pop("bracket", None),
                           from_rank=fields.pop("rank", 1),
                           valid_from=fields.pop("since", date(2026, 1, 1)))


def test_best_price_prefers_the_bracket_then_the_rank_then_the_latest():
    rows = [price(400, pk=1), price(300, pk=2, bracket=7), price(250, pk=3, bracket=7, rank=2),
            price(380, pk=4, since=date(2026, 3, 1))]
    best = pricing.best_price
    assert best(rows, day=date(2026, 2, 1), bracket_id=None, rank=1).pk == 1
    assert best(rows, day=date(2026, 3, 2), bracket_id=None, rank=3).pk == 4
    assert best(rows, day=date(2026, 2, 1), bracket_id=7, rank=1).pk == 2
    assert best(rows, day=date(2026, 2, 1), bracket_id=7, rank=2).pk == 3
    assert best(rows, day=date(2025, 12, 1), bracket_id=7, rank=2) is None


def test_hourly_prices_are_kept_between_floor_and_ceiling():
    hourly = price(180, floor=100, ceiling=500)
    amount = pricing.line_amount
    assert amount(hourly, pricing="per_hour", state="present", minutes=90) == 270
    assert amount(hourly, pricing="per_hour", state="present", minutes=20) == 100
    assert amount(hourly, pricing="per_hour", state="present", minutes=300) == 500
    assert amount(price(333), pricing="per_hour", state="present", minutes=45) == 250  # 249.75
    assert amount(price(350, unexpected=500), pricing="per_unit", state="unexpected",
                  minutes=0) == 500


def test_second_child_rank_gets_its_price(family, canteen, manager):
    amina, household, yanis, lina = family
    unit = canteen.units.get()
    UnitPrice.objects.create(unit=unit, from_rank=2, amount_cents=300,
                             valid_from=date(2026, 1, 1))
    for child in (lina, yanis):  # Lina enrols first, but Yanis is the eldest
        operations.enrol_child(activity=canteen, child=child, actor=amina, at=AT)
    open_week(unit)
    for child in (yanis, lina):
        operations.reserve(child=child, unit=unit, day=MONDAY, actor=amina, at=AT)
    operations.close_month(activity=canteen, month=date(2026, 2, 1), actor=manager, at=CLOSING)
    assert dict(BilledLine.objects.values_list("reservation__child__full_name",
                                               "amount_cents")) == {
        "Yanis Benali": 350, "Lina Benali": 300}


@pytest.mark.parametrize(("resources", "children", "disabled", "on", "floor", "expected"), [
    (300_000, 1, False, date(2025, 1, 1), None, (186, "0.0619", 300_000)),   # 185.7 → 186
    (300_000, 2, False, date(2025, 1, 1), None, (155, "0.0516", 300_000)),   # 154.8 → 155
    (300_000, 1, True, date(2025, 1, 1), None, (155, "0.0516", 300_000)),    # one more child
    (300_000, 3, False, date(2025, 1, 1), None, (124, "0.0413", 300_000)),   # 123.9
    (300_000, 7, False, date(2025, 1, 1), None, (93, "0.0310", 300_000)),    # 93.0
    (300_000, 8, False, date(2025, 1, 1), None, (62, "0.0206", 300_000)),    # 61.8
    (900_000, 1, False, date(2024, 8, 31), None, (371, "0.0619", 600_000)),  # 371.4
    (900_000, 1, False, date(2024, 9, 1), None, (433, "0.0619", 700_000)),   # 433.3
    (900_000, 1, False, date(2025, 9, 1), None, (526, "0.0619", 850_000)),   # 526.15 → 526
    (50_000, 1, False, date(2025, 1, 1), 80_171, (50, "0.0619", 80_171)),    # 49.6 → 50
])
def test_nursery_rate_on_the_national_scale(resources, children, disabled, on, floor,
                                            expected):
    rate = pricing.nursery_rate(monthly_resources_cents=resources, children=children,
                                disabled_child=disabled, on=on, floor_cents=floor)
    assert (rate.hourly_rate_cents, rate.effort_rate, rate.resources_used_cents) == expected


def test_half_a_cent_rounds_up():
    assert pricing.half_up(Decimal("526.5")) == 527
    assert pricing.half_up(Decimal("526.49")) == 526
    rate = pricing.nursery_rate(monthly_resources_cents=500_000, children=4,
                                disabled_child=False, on=date(2025, 1, 1), floor_cents=None)
    assert rate.hourly_rate_cents == 155  # 155.0 exactly


def test_the_scale_is_unknown_before_2022():
    with pytest.raises(DomainError) as caught:
        pricing.nursery_rate(monthly_resources_cents=1, children=1, disabled_child=False,
                             on=date(2021, 12, 31), floor_cents=None)
    assert caught.value.code == "nursery_scale_unknown"
