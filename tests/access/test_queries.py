"""Regression guard on the number of SQL statements of one terminal decision, on both
databases: the read (decisions/read.py) asks only what the checkpoint makes matter, the write
locks, checks and writes. The counts include the transaction's own statements (savepoints
inside the test's transaction). Raise them only on purpose: every statement is a round trip
per scan."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from civicard.access.decisions import decide, read, rules
from civicard.access.models import Decision, Terminal
from civicard.territory.models import Address, IncomeBracket, Neighbourhood
from civicard.wallets.models import LedgerEntry, Tariff
from civicard.wallets.operations import charge
from civicard.wallets.queries import check_ledger, price_for

from .conftest import AT, UID, enrol, fund, scan

pytestmark = pytest.mark.django_db

# Terminal, answer for the key, card (with whether a staff door group opens here),
# households, enrolments, account, tariffs, one read per rights source another app registers
# (bookings: a booking here now); then a savepoint (the transaction), the locked account, the
# key's entry, the balance, the entry, the decision, the chart's count of the terminal's day
# (DailyUses: one UPDATE), and the savepoint's release.
CHARGED_SCAN = 16
# Terminal, answer for the key, card, households, enrolments, the bookings source; the decision
# and the chart's count (one transaction of their own in production; inside the test's
# transaction, no savepoint).
FREE_SCAN = 8
# The day's first allowed scan at a terminal creates its DailyUses row: INSERT … ON CONFLICT DO
# NOTHING and the UPDATE again.
FIRST_OF_THE_DAY = 2


def _scan_queries(token: str, key: str) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        decision = decide.scan_by_token(token, credential=UID, idempotency_key=key, at=AT,
                                        now=AT)
    return len(captured), decision, [q["sql"] for q in captured]


def test_a_charged_scan_costs_a_fixed_number_of_statements(
        pool_service, make_checkpoint, make_terminal, holder):
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    _terminal, token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    Terminal.objects.update(last_seen_at=AT)  # touch() writes at most every 30 s
    count, response, sql = _scan_queries(token, "q1")
    assert response["decision"] == "allow" and response["balance_cents"] == 650
    assert count == CHARGED_SCAN + FIRST_OF_THE_DAY, "\n".join(sql)
    count, response, sql = _scan_queries(token, "q1b")
    assert response["decision"] == "allow" and response["balance_cents"] == 300
    assert count == CHARGED_SCAN, "\n".join(sql)


def test_a_free_scan_costs_a_fixed_number_of_statements(
        make_service, make_checkpoint, make_terminal, holder):
    library = make_service("library", mode="free")
    checkpoint = make_checkpoint(library, name="Desk", kind="library_desk")
    _terminal, token = make_terminal(checkpoint)
    enrol(library, household=holder.household)
    Terminal.objects.update(last_seen_at=AT)
    count, response, sql = _scan_queries(token, "q2")
    assert response["decision"] == "allow" and response["balance_cents"] is None
    assert count == FREE_SCAN + FIRST_OF_THE_DAY, "\n".join(sql)
    count, response, sql = _scan_queries(token, "q2b")
    assert count == FREE_SCAN, "\n".join(sql)


def test_the_write_checks_the_balance_again_on_the_locked_account(
        pool_service, make_checkpoint, make_terminal, holder):
    """The rules decide on the balance as read; a movement between the read and the write is
    seen by the write, which locks the account and checks rule 5 again."""
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    terminal, _token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    account = fund(pool_service, holder.household, 1000)
    context = read.read(checkpoint, UID, AT)
    verdict = rules.decide(context)
    assert (verdict.outcome, verdict.plan.price_cents) == ("allow", 350)
    charge(account=account, amount_cents=900, reason="Café", idempotency_key="between",
           actor=None, at=AT)
    with pytest.raises(decide.Refused) as refused, transaction.atomic():
        decide.apply(context, verdict, terminal=terminal, key="q3", offline=False)
    assert refused.value.code == "insufficient_balance"
    assert LedgerEntry.objects.filter(account=account).count() == 2
    assert not Decision.objects.exists()
    assert check_ledger() == []


def test_the_tariffs_read_with_the_card_price_an_entry_as_the_wallet_does(
        pool_service, make_checkpoint, make_terminal, holder):
    """The scan's one read brings the tariffs in force (the latest of each bracket and
    residency); the price chosen from them is the wallet's own price_for."""
    qf1 = IncomeBracket.objects.get(code="QF1")
    for bracket, resident, cents, since in [
            (None, None, 500, date(2025, 1, 1)), (None, None, 450, date(2026, 1, 1)),
            (qf1, None, 200, date(2026, 1, 1)), (qf1, True, 150, date(2026, 1, 1)),
            (qf1, True, 100, date(2027, 1, 1))]:
        Tariff.objects.create(service=pool_service, use="visit", income_bracket=bracket,
                              resident=resident, amount_cents=cents, valid_from=since,
                              created_at=AT)
    checkpoint = make_checkpoint(pool_service, charge_use="visit")
    terminal, _token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 10_000)
    household = holder.household
    centre = Neighbourhood.objects.get(name="Centre")
    balance = 10_000
    for key, bracket, address, price in [
            ("plain", None, None, 450), ("bracket", qf1, None, 200),
            ("resident", qf1, Address.objects.create(street="1 rue", postal_code="79000",
                                                     neighbourhood=centre), 150)]:
        household.income_bracket, household.address = bracket, address
        household.save()
        assert price_for(service=pool_service, household=household, on=AT.date(),
                         use="visit") == price
        balance -= price
        assert scan(terminal, key=key)["balance_cents"] == balance
