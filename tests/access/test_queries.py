"""Regression guard on the number of SQL statements of one terminal decision.

The counts include the transaction's own statements (savepoints inside the test's
transaction). Raise them only on purpose: every statement is a round trip per scan."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicard.access import operations, presented
from civicard.access.models import Decision, Terminal
from civicard.cards.queries import credential_lookup
from civicard.territory.models import Address, IncomeBracket, Neighbourhood
from civicard.wallets.models import LedgerEntry, Tariff
from civicard.wallets.operations import charge
from civicard.wallets.queries import check_ledger, price_for

from .conftest import AT, enrol, fund, scan

pytestmark = pytest.mark.django_db

# 21, then 16 with the ORM; 8 with hand-written SQL (access/presented.py), 6 with one read.
# PostgreSQL then charges and logs in one statement (wallets.charge_then_insert).
CHARGED_SCAN = {"postgresql": 2, "sqlite": 6}
FREE_SCAN = 2  # 12, then 8, then 3


def _scan_queries(token: str, key: str) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        decision = operations.scan_by_token(token, credential="04A1B2C3D4E5F6",
                                            idempotency_key=key, at=AT, now=AT)
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
    assert count == CHARGED_SCAN[connection.vendor], "\n".join(sql)


def test_a_free_scan_costs_a_fixed_number_of_statements(
        make_service, make_checkpoint, make_terminal, holder):
    library = make_service("library", mode="free")
    checkpoint = make_checkpoint(library, name="Desk", kind="library_desk")
    _terminal, token = make_terminal(checkpoint)
    enrol(library, household=holder.household)
    Terminal.objects.update(last_seen_at=AT)
    count, response, sql = _scan_queries(token, "q2")
    assert response["decision"] == "allow" and response["balance_cents"] is None
    assert count == FREE_SCAN, "\n".join(sql)


def test_a_balance_moved_since_it_was_read_is_charged_the_usual_way(
        pool_service, make_checkpoint, make_terminal, holder):
    """The one-statement charge only applies to the balance read with the card; when another
    movement came in between, nothing of it is written and the scan is charged in a
    transaction, from the balance as it is."""
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    _terminal, token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    account = fund(pool_service, holder.household, 1000)
    read = presented.read_scan(operations.token_hash(token), "q3",
                               credential_lookup("04A1B2C3D4E5F6"), AT.date())
    assert read.found.accounts[holder.household.pk].balance_cents == 1000
    charge(account=account, amount_cents=100, reason="Café", idempotency_key="between",
           actor=None, at=AT)
    with CaptureQueriesContext(connection) as captured:
        answer = operations.scan(terminal=read.terminal, credential="04A1B2C3D4E5F6",
                                 idempotency_key="q3", at=AT, now=AT, answered=read.answer,
                                 found=read.found)
    assert (answer["decision"], answer["balance_cents"]) == ("allow", 550)
    decision = Decision.objects.get(idempotency_key="q3")
    assert (decision.entry.amount_cents, decision.entry.balance_after_cents) == (-350, 550)
    assert LedgerEntry.objects.filter(account=account).count() == 3
    assert check_ledger() == []
    tried_in_one = [q["sql"] for q in captured if q["sql"].startswith("WITH moved")]
    assert len(tried_in_one) == (1 if connection.vendor == "postgresql" else 0)


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
