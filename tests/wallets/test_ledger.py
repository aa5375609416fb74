import pytest
from django.core.management import call_command
from django.db import connection, transaction

from civicard.core.append_only import AppendOnlyViolation
from civicard.core.errors import (
    IdempotencyConflict,
    IdempotencyKeyInvalid,
    InvalidAmount,
    PermissionRefused,
)
from civicard.wallets import operations
from civicard.wallets.exceptions import (
    FloorReached,
    InsufficientBalance,
    NotSameHousehold,
    ReasonMissing,
    WrongCurrency,
)
from civicard.wallets.models import Account, LedgerEntry, ShortageRule
from civicard.wallets.queries import check_ledger

from .conftest import AT

pytestmark = pytest.mark.django_db


def _charge(account, amount, key, **kw):
    return operations.charge(account=account, amount_cents=amount, reason="meal",
                             idempotency_key=key, actor=None, at=AT, **kw)


def test_refuse_rule_refuses_a_charge_beyond_the_balance_and_writes_nothing(make_service,
                                                                             make_account):
    account = make_account(make_service(), balance=500)
    entry = _charge(account, 300, "k1")
    assert (entry.amount_cents, entry.balance_after_cents, entry.kind) == (-300, 200, "charge")
    with pytest.raises(InsufficientBalance):
        _charge(account, 201, "k2")
    account.refresh_from_db()
    assert account.balance_cents == 200
    assert not LedgerEntry.objects.filter(idempotency_key="k2").exists()
    _charge(account, 200, "k3")
    account.refresh_from_db()
    assert account.balance_cents == 0


def test_serve_and_go_negative_stops_at_the_floor(make_service, make_account):
    account = make_account(make_service("canteen", rule=ShortageRule.SERVE_AND_GO_NEGATIVE,
                                        floor=-1000), balance=200)
    _charge(account, 700, "a")
    _charge(account, 500, "b")
    account.refresh_from_db()
    assert account.balance_cents == -1000
    with pytest.raises(FloorReached) as caught:
        _charge(account, 1, "c")
    assert caught.value.code == "balance_floor_reached"


def test_serve_and_go_negative_without_floor_has_no_limit(make_service, make_account):
    account = make_account(make_service("canteen", rule=ShortageRule.SERVE_AND_GO_NEGATIVE))
    _charge(account, 90_000, "a")
    account.refresh_from_db()
    assert account.balance_cents == -90_000


def test_a_retry_with_the_same_key_returns_the_first_entry(make_service, make_account):
    account = make_account(make_service(), balance=1000)
    first = _charge(account, 300, "same")
    again = _charge(account, 300, "same")
    assert again.pk == first.pk
    account.refresh_from_db()
    assert account.balance_cents == 700
    with pytest.raises(IdempotencyConflict):
        _charge(account, 999, "same")


@pytest.mark.parametrize("amount", [0, -5, 10**12, 12.5, "10", True, None])
def test_bad_amounts_are_refused_with_a_code_and_nothing_written(make_service, make_account,
                                                                 amount):
    account = make_account(make_service(), balance=1000)
    count = LedgerEntry.objects.count()
    with pytest.raises(InvalidAmount) as caught:
        _charge(account, amount, "bad")
    assert caught.value.code == "invalid_amount"
    assert LedgerEntry.objects.count() == count
    account.refresh_from_db()
    assert account.balance_cents == 1000


def test_wrong_currency_missing_key_and_missing_reason_are_refused(make_service, make_account):
    account = make_account(make_service(), balance=1000)
    with pytest.raises(WrongCurrency) as caught:
        _charge(account, 100, "k", currency="CHF")
    assert caught.value.text() == "This account is kept in EUR, not in CHF."
    with pytest.raises(IdempotencyKeyInvalid):
        _charge(account, 100, "")
    with pytest.raises(ReasonMissing):
        operations.charge(account=account, amount_cents=100, reason="  ", idempotency_key="r",
                          actor=None, at=AT)
    assert LedgerEntry.objects.filter(account=account).count() == 1


def test_ledger_entries_refuse_updates_and_deletes(make_service, make_account):
    account = make_account(make_service(), balance=1000)
    entry = _charge(account, 100, "k")
    with pytest.raises(AppendOnlyViolation):
        entry.delete()
    with pytest.raises(AppendOnlyViolation):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_cents=-1)
    with pytest.raises(Exception) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE wallets_ledgerentry SET amount_cents = -1")
    assert "append-only" in str(caught.value)


def test_counter_top_up_needs_an_agent(make_service, make_account, agent, resident):
    account = make_account(make_service())
    with pytest.raises(PermissionRefused):
        operations.top_up(account=account, amount_cents=1000, means="cash", reason="desk",
                          idempotency_key="t1", actor=resident, at=AT)
    entry = operations.top_up(account=account, amount_cents=1000, means="cash", reason="desk",
                              idempotency_key="t2", actor=agent, at=AT)
    assert (entry.means, entry.actor, entry.balance_after_cents) == ("cash", agent, 1000)


def test_transfer_moves_money_between_a_households_accounts_only(make_service, make_account,
                                                                  agent, territory):
    pool = make_account(make_service("pool"), balance=1000)
    canteen = make_account(make_service("canteen"))
    out, into = operations.transfer(source=pool, target=canteen, amount_cents=400,
                                    reason="asked by parent", idempotency_key="t", actor=agent,
                                    at=AT)
    assert (out.amount_cents, into.amount_cents, into.related_id) == (-400, 400, out.pk)
    pool.refresh_from_db()
    canteen.refresh_from_db()
    assert (pool.balance_cents, canteen.balance_cents) == (600, 400)
    again = operations.transfer(source=pool, target=canteen, amount_cents=400,
                                reason="asked by parent", idempotency_key="t", actor=agent,
                                at=AT)
    assert again[0].pk == out.pk
    with pytest.raises(InsufficientBalance):
        operations.transfer(source=pool, target=canteen, amount_cents=601, reason="x",
                            idempotency_key="t2", actor=agent, at=AT)
    from civicard.people.models import Household
    other = Account.objects.create(household=Household.objects.create(territory=territory),
                                   service=pool.service, currency="EUR", created_at=AT)
    with pytest.raises(NotSameHousehold):
        operations.transfer(source=pool, target=other, amount_cents=1, reason="x",
                            idempotency_key="t3", actor=agent, at=AT)
    assert check_ledger() == []


def test_check_ledger_command_exits_non_zero_on_a_difference(make_service, make_account):
    account = make_account(make_service(), balance=1000)
    _charge(account, 100, "k")
    call_command("check_ledger")
    Account.objects.filter(pk=account.pk).update(balance_cents=901)
    with pytest.raises(SystemExit) as caught:
        call_command("check_ledger")
    assert caught.value.code == 1
    assert [d.account_id for d in check_ledger()] == [account.pk]
