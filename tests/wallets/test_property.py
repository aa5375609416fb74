"""Random top-ups, charges, refunds and transfers: the ledger always balances and no balance
crosses its service's rule."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicard.core.errors import DomainError
from civicard.wallets import operations
from civicard.wallets.models import Account, LedgerEntry, ShortageRule
from civicard.wallets.queries import check_ledger

from .conftest import AT

pytestmark = pytest.mark.django_db
RUNS = itertools.count()

amounts = st.one_of(st.integers(min_value=1, max_value=5000),
                    st.sampled_from([0, -1, 10**12]))  # some invalid ones too
steps = st.lists(st.tuples(st.sampled_from(["top_up", "charge", "refund", "transfer"]),
                           st.integers(0, 2), st.integers(0, 2), amounts,
                           st.integers(0, 30)),  # the key: repeats test idempotency
                 min_size=1, max_size=25)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_movements_keep_the_ledger_exact_and_the_rules(steps, make_service, agent,
                                                               household):
    # Each example gets services (and so accounts) and keys of its own: the operations run
    # in durable transactions, which cannot nest in a rollback around the example.
    run = next(RUNS)
    services = [make_service(f"pool-{run}", rule=ShortageRule.REFUSE),
                make_service(f"canteen-{run}", rule=ShortageRule.SERVE_AND_GO_NEGATIVE,
                             floor=-3000),
                make_service(f"daycare-{run}", rule=ShortageRule.SERVE_AND_GO_NEGATIVE)]
    accounts = [Account.objects.create(household=household, service=s, currency="EUR",
                                       created_at=AT) for s in services]
    for kind, a, b, amount, key in steps:
        account, key = accounts[a], f"{run}:{kind}{key}"
        try:
            if kind == "top_up":
                operations.top_up(account=account, amount_cents=amount, means="cash",
                                  reason="r", idempotency_key=key, actor=agent, at=AT)
            elif kind == "charge":
                operations.charge(account=account, amount_cents=amount, reason="r",
                                  idempotency_key=key, actor=None, at=AT)
            elif kind == "refund":
                operations.refund(account=account, amount_cents=amount, reason="r",
                                  idempotency_key=key, actor=agent, at=AT)
            else:
                operations.transfer(source=account, target=accounts[b], amount_cents=amount,
                                    reason="r", idempotency_key=key, actor=agent, at=AT)
        except DomainError:
            pass
        assert check_ledger() == []
    for account in accounts:
        account.refresh_from_db()
        afters = list(LedgerEntry.objects.filter(account=account)
                      .values_list("balance_after_cents", flat=True))
        lowest = min([0, *afters])
        if account.service.shortage_rule == ShortageRule.REFUSE:
            assert lowest >= 0
        elif account.service.floor_cents is not None:
            assert lowest >= account.service.floor_cents
    assert LedgerEntry.objects.filter(amount_cents=0).count() == 0
