"""Real connections racing on PostgreSQL: the lock and the unique key keep the ledger exact."""

import pytest

from civicard.wallets import operations
from civicard.wallets.models import Account, LedgerEntry, ShortageRule
from civicard.wallets.queries import check_ledger
from tests.races import race

from .conftest import AT

pytestmark = pytest.mark.django_db(transaction=True)


def _charge(account_pk, key):
    account = Account.objects.get(pk=account_pk)
    entry = operations.charge(account=account, amount_cents=100, reason="entry",
                              idempotency_key=key, actor=None, at=AT)
    return entry.pk


def test_fifty_concurrent_charges_on_a_balance_covering_ten_let_exactly_ten_pass(
        postgres_only, make_service, make_account):
    account = make_account(make_service(), balance=1000)
    results = race(50, lambda i: _charge(account.pk, f"c{i}"))
    assert sum(isinstance(r, int) for r in results) == 10
    assert results.count("insufficient_balance") == 40
    account.refresh_from_db()
    assert account.balance_cents == 0
    assert LedgerEntry.objects.filter(account=account, kind="charge").count() == 10
    assert check_ledger() == []


def test_concurrent_charges_never_pass_the_floor(postgres_only, make_service, make_account):
    service = make_service("canteen", rule=ShortageRule.SERVE_AND_GO_NEGATIVE, floor=-500)
    account = make_account(service, balance=1000)
    results = race(50, lambda i: _charge(account.pk, f"c{i}"))
    assert sum(isinstance(r, int) for r in results) == 15
    assert results.count("balance_floor_reached") == 35
    account.refresh_from_db()
    assert account.balance_cents == -500
    assert min(LedgerEntry.objects.filter(account=account)
               .values_list("balance_after_cents", flat=True)) == -500
    assert check_ledger() == []


def test_one_key_sent_twenty_times_at_once_makes_one_entry(postgres_only, make_service,
                                                           make_account):
    account = make_account(make_service(), balance=1000)
    results = race(20, lambda i: _charge(account.pk, "the-same-key"))
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert LedgerEntry.objects.filter(idempotency_key="the-same-key").count() == 1
    account.refresh_from_db()
    assert account.balance_cents == 900
