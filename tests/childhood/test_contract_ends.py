"""End-of-contract reconciliation ("régularisation"): when a nursery contract ends, the hours
billed in equal monthly parts are compared with the hours its weeks of care give for the dates
it ran, and the difference is billed or given back with the month — worked by hand below."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse

from civicard.childhood import contracts, operations
from civicard.childhood.models import ContractCredit, ContractLine, Invoice, Statement
from civicard.childhood.queries import check_billing, invoice_lines
from civicard.wallets.models import LedgerEntry

from .conftest import AT, CLOSING
from .test_contracts import baby, february, nursery, terms  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

AUTUMN = [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1),
          date(2026, 1, 1)]


@pytest.fixture(autouse=True)
def staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


def close(nursery, month, manager):  # noqa: F811
    return operations.close_month(activity=nursery, month=month, actor=manager, at=CLOSING)


def test_a_contract_ended_early_gives_back_the_hours_billed_beyond_its_weeks(
        client, nursery, february, manager, family):  # noqa: F811
    # Noé's contract, 1 September 2025 to 31 August 2026: 45 h a week, 47 weeks of care of
    # 52 whole weeks (4 of closure, 1 of holidays), 10,575 min (176.25 h) a month at 1.86 €.
    nursery.billing_mode = "invoice"
    nursery.save()
    for month in AUTUMN:
        close(nursery, month, manager)
    # Changed from 1 March: the contract ends on 28 February, after 181 days = 25 whole weeks.
    operations.change_contract(contract=february, terms=terms(starts_on=date(2026, 3, 1)),
                               actor=manager, at=AT)
    february.refresh_from_db()
    assert february.ends_on == date(2026, 2, 28)
    close(nursery, date(2026, 2, 1), manager)
    balance = contracts.balance(february)
    # Billed: 6 months × 10,575 = 63,450 min. Due: 45 h × 47 weeks × 25 ÷ 52 = 61,009.6 →
    # 61,009 min (22.60 weeks of care). 2,441 min too many × 1.86 €/h = 75.671 → 75.67 €.
    assert (balance.billed_minutes, balance.due_minutes, balance.care_weeks) == (
        63_450, 61_009, Decimal("22.60"))
    line = ContractLine.objects.get(kind="balance")
    assert (line.minutes, line.hourly_rate_cents, line.amount_cents) == (2_441, 186, -75_67)
    # February: 327.83 + 4.65 − 50.22 − 75.67 = 206.59 €, on February's invoice.
    statement = Statement.objects.get(period__month=date(2026, 2, 1))
    assert statement.total_cents == 206_59
    invoice = Invoice.objects.get(statement=statement)
    assert [line.amount_cents for line in invoice_lines(invoice)] == [327_83, 4_65, -50_22,
                                                                      -75_67]
    assert check_billing() == []
    # Closing the next month does not reconcile it again.
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING)
    assert ContractLine.objects.filter(kind="balance").count() == 1
    # The family sees it explained.
    client.force_login(family[0])
    page = client.get(reverse("childhood:enrolment", args=[february.enrolment_id]))
    text = page.content.decode()
    assert "Hours billed by the month: 1057 h 30. Hours due for the 22.60 weeks of care " \
           "of the 25 whole weeks it ran: 1016 h 49." in text
    assert "40 h 41 at" in text and "deducted from the bill of February 2026" in text


def test_a_contract_ended_in_a_closed_month_is_reconciled_at_the_next_closing(
        nursery, baby, manager):  # noqa: F811
    contract = operations.create_contract(enrolment=baby, terms=terms(), actor=manager, at=AT)
    for month in AUTUMN[:2]:
        close(nursery, month, manager)
    # From 1 November: the first contract ends on 31 October (61 days, 8 whole weeks).
    later = operations.change_contract(contract=contract,
                                       terms=terms(starts_on=date(2025, 11, 1)),
                                       actor=manager, at=CLOSING)
    close(nursery, date(2025, 11, 1), manager)
    # Billed 2 × 10,575 = 21,150 min; due 45 h × 47 × 8 ÷ 52 = 19,523.07 → 19,523 min;
    # 1,627 min × 1.86 € = 50.437 → −50.44 €. The new contract (1 November to 31 August:
    # 43 whole weeks − 5 = 38 weeks over 10 months): 45 h × 38 ÷ 10 = 171 h × 1.86 € =
    # 318.06 €. November: 318.06 − 50.44 = 267.62 €, charged once to the wallet.
    lines = {(line.contract_id, line.kind): line.amount_cents
             for line in ContractLine.objects.filter(statement__period__month=date(2025, 11, 1))}
    assert lines == {(contract.pk, "balance"): -50_44, (later.pk, "monthly"): 318_06}
    assert Statement.objects.get(period__month=date(2025, 11, 1)).total_cents == 267_62
    assert check_billing() == []
    ContractLine.objects.filter(kind="balance").update(amount_cents=-50_43)
    assert (f"contract {contract.pk}: reconciliation -5043 and credit note 0 != -5044"
            in check_billing())


def test_a_reconciliation_beyond_the_months_bill_is_given_back_by_a_credit_note_once(
        client, nursery, baby, manager, family):  # noqa: F811
    contract = operations.create_contract(enrolment=baby, terms=terms(), actor=manager, at=AT)
    for month in AUTUMN[:2]:
        close(nursery, month, manager)
    # From 1 November, one hour on Mondays: the first contract ends on 31 October and gives
    # back 50.44 € (as above). The new one: 1 h × 38 weeks ÷ 10 months = 228 min × 1.86 € =
    # 7.068 → 7.07 €. November's bill goes to zero (7.07 of the 50.44 €); the other 43.37 €
    # are a credit note refunded into the wallet for the nursery.
    later = operations.change_contract(
        contract=contract, terms=terms(starts_on=date(2025, 11, 1),
                                       schedule={0: (time(9), time(10))}),
        actor=manager, at=CLOSING)
    close(nursery, date(2025, 11, 1), manager)
    lines = {(line.contract_id, line.kind): line.amount_cents
             for line in ContractLine.objects.filter(statement__period__month=date(2025, 11, 1))}
    assert lines == {(contract.pk, "balance"): -7_07, (later.pk, "monthly"): 7_07}
    statement = Statement.objects.get(period__month=date(2025, 11, 1))
    assert (statement.total_cents, statement.entry_id) == (0, None)
    credit = ContractCredit.objects.get()
    assert (credit.contract_id, credit.statement_id, credit.amount_cents, credit.number) == (
        contract.pk, statement.pk, 43_37, "AV-2026-000001")
    refund = LedgerEntry.objects.get(pk=credit.refund_id)
    assert (refund.kind, refund.amount_cents, refund.account.service_id,
            refund.account.household_id) == ("refund", 43_37, nursery.service_id,
                                             statement.household_id)
    assert check_billing() == []
    client.force_login(family[0])
    text = client.get(reverse("childhood:enrolment", args=[baby.pk])).content.decode()
    assert "is given back to your prepaid account for this service by credit note " \
           "AV-2026-000001." in text
    # Closing again writes nothing more.
    entries = LedgerEntry.objects.count()
    close(nursery, date(2025, 11, 1), manager)
    assert (ContractCredit.objects.count(), LedgerEntry.objects.count()) == (1, entries)
    # Every cent is proven: a line that no longer adds up with its credit note is found.
    ContractLine.objects.filter(kind="balance").update(amount_cents=-7_06)
    assert (f"contract {contract.pk}: reconciliation -706 and credit note 4337 != -5044"
            in check_billing())
