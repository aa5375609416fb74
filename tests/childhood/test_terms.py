"""Lessons billed by the term: the whole term charged once when the child gets a place (at
enrolment, or when promoted from the waiting list), by the household's bracket, through the
wallet or on an invoice of its own; given back (a refund, or a credit note) when the child
leaves before the first session."""

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from civicard.childhood import invoices, operations
from civicard.childhood.models import (
    Activity,
    CreditNote,
    Invoice,
    InvoiceCounter,
    PaymentAllocation,
    TermCharge,
    UnitDay,
    UnitPrice,
)
from civicard.childhood.queries import check_billing, invoice_lines
from civicard.core.errors import DomainError
from civicard.core.permissions import Role
from civicard.people.models import Person
from civicard.territory.models import IncomeBracket
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account, LedgerEntry, ShortageRule

from .conftest import AT, CLOSING, make_family

pytestmark = pytest.mark.django_db

SATURDAYS = [date(2026, 2, 7) + timedelta(weeks=n) for n in range(10)]


@pytest.fixture
def swimming(make_activity, make_service):
    """Ten Saturday sessions at 8.50 € (4.00 € for the QF1 bracket), two places, at a pool
    that refuses to go negative."""
    activity = make_activity("Swimming", kind="lessons", places=2, units=("Lesson",),
                             amount=850,
                             service=make_service("pool", rule=ShortageRule.REFUSE))
    unit = activity.units.get()
    UnitPrice.objects.create(unit=unit, amount_cents=400, valid_from=date(2026, 1, 1),
                             income_bracket=IncomeBracket.objects.get(code="QF1"))
    UnitDay.objects.bulk_create([UnitDay(unit=unit, day=day, capacity=2) for day in SATURDAYS])
    return activity


@pytest.fixture
def agent(make_login):
    return make_login("agent@example.org", role=Role.COUNTER_AGENT)


def fund(household, activity, cents, agent):
    account = wallets.open_account(household=household, service=activity.service, at=AT)
    wallets.top_up(account=account, amount_cents=cents, means="cash", reason="top-up",
                   idempotency_key=f"fund:{household.pk}:{cents}", actor=agent, at=AT)
    return account


def test_a_term_is_billed_once_at_enrolment_by_bracket_and_refused_when_unfunded(
        swimming, family, manager, agent, client):
    amina, household, yanis, lina = family
    with pytest.raises(DomainError) as refused:
        operations.enrol_child(activity=swimming, child=yanis, actor=amina, at=AT)
    assert refused.value.code == "insufficient_balance"
    assert not swimming.enrolments.exists() and not TermCharge.objects.exists()
    account = fund(household, swimming, 50_00, agent)
    enrolment = operations.enrol_child(activity=swimming, child=yanis, actor=amina, at=AT)
    term = enrolment.term_charge
    # QF1: 10 sessions × 4.00 € = 40.00 €, charged once.
    assert (term.sessions, term.session_price_cents, term.amount_cents) == (10, 400, 40_00)
    account.refresh_from_db()
    assert account.balance_cents == 10_00
    # Closing a month of lessons bills nothing more.
    operations.close_month(activity=swimming, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING)
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert check_billing() == []
    client.force_login(amina)
    page = client.get(reverse("childhood:enrolment", args=[enrolment.pk])).content.decode()
    assert "10 sessions at" in page and "40.00" in page


def test_leaving_before_the_first_session_gives_the_term_back_and_not_after(
        swimming, family, agent):
    amina, household, yanis, lina = family
    account = fund(household, swimming, 80_00, agent)
    early = operations.enrol_child(activity=swimming, child=yanis, actor=amina, at=AT)
    late = operations.enrol_child(activity=swimming, child=lina, actor=amina, at=AT)
    operations.cancel_enrolment(enrolment=early, actor=amina, at=AT)  # before 7 February
    operations.cancel_enrolment(enrolment=late, actor=amina, at=AT + timedelta(days=6))
    early.term_charge.refresh_from_db()
    late.term_charge.refresh_from_db()
    assert early.term_charge.refund.amount_cents == 40_00 and late.term_charge.refund is None
    account.refresh_from_db()
    assert account.balance_cents == 80_00 - 40_00 - 40_00 + 40_00
    assert check_billing() == []


def test_a_waiting_child_is_billed_when_promoted(swimming, territory, make_login, agent):
    families = [make_family(territory, make_login, i) for i in range(3)]
    for _guardian, household, _child in families:
        fund(household, swimming, 85_00, agent)
    enrolments = [operations.enrol_child(activity=swimming, child=child, actor=guardian, at=AT)
                  for guardian, _h, child in families]
    assert [e.status for e in enrolments] == ["active", "active", "waiting"]
    assert TermCharge.objects.count() == 2  # no bracket: 10 × 8.50 € each
    operations.cancel_enrolment(enrolment=enrolments[0], actor=families[0][0], at=AT)
    promoted = TermCharge.objects.get(enrolment=enrolments[2])
    assert (promoted.amount_cents, promoted.refused_code) == (85_00, "")
    assert Account.objects.get(household=families[2][1]).balance_cents == 0
    assert Account.objects.get(household=families[0][1]).balance_cents == 85_00
    assert check_billing() == []


def test_a_promotion_the_wallet_refused_is_charged_again_once_by_the_family_or_the_staff(
        swimming, territory, make_login, agent, manager, client, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    families = [make_family(territory, make_login, i) for i in range(3)]
    for (_guardian, household, _child), cents in zip(families, (85_00, 85_00, 50_00),
                                                     strict=True):
        fund(household, swimming, cents, agent)
    enrolments = [operations.enrol_child(activity=swimming, child=child, actor=guardian, at=AT)
                  for guardian, _h, child in families]
    operations.cancel_enrolment(enrolment=enrolments[0], actor=families[0][0], at=AT)
    # The third child gets the place; 85.00 € is more than the 50.00 € in the pool's wallet.
    term = TermCharge.objects.get(enrolment=enrolments[2])
    assert (term.amount_cents, term.entry_id, term.refused_code) == (
        85_00, None, "insufficient_balance")
    url = reverse("childhood:charge_term", args=[enrolments[2].pk])
    entries = LedgerEntry.objects.count()
    # Another family cannot charge it: not found, nothing written.
    client.force_login(families[1][0])
    assert client.post(url).status_code == 404
    # The family, still short: refused with a clear message, nothing written.
    guardian = families[2][0]
    client.force_login(guardian)
    page = client.get(reverse("childhood:enrolment", args=[enrolments[2].pk])).content.decode()
    assert "Not charged yet: the balance was too low." in page
    assert re.search(r"Charge the term again \([^)]*85\.00[^)]*\)", page)
    page = client.post(url, follow=True).content.decode()
    assert ("The term could not be charged: the prepaid account still holds too little. "
            "Top it up, then try again.") in page
    term.refresh_from_db()
    assert (term.entry_id, term.refused_code, LedgerEntry.objects.count()) == (
        None, "insufficient_balance", entries)
    # Topped up by 35.00 €: charged once, however many times the button is pressed.
    account = fund(families[2][1], swimming, 35_00, agent)
    page = client.post(url, follow=True).content.decode()
    assert "The term is charged to the prepaid account." in page
    assert client.post(url).status_code == 302
    client.force_login(manager)
    page = client.get(reverse("childhood:staff_enrolment", args=[enrolments[2].pk]))
    assert "Charge the term again" not in page.content.decode()
    assert client.post(url).status_code == 302
    term.refresh_from_db()
    account.refresh_from_db()
    assert term.refused_code == "" and term.entry.amount_cents == -85_00
    assert account.balance_cents == 0
    assert LedgerEntry.objects.filter(kind="charge", account=account).count() == 1
    assert check_billing() == []


def test_charging_a_term_again_for_a_child_of_another_household_is_refused(
        swimming, territory, make_login, agent):
    families = [make_family(territory, make_login, i) for i in range(3)]
    for _guardian, household, _child in families[:2]:
        fund(household, swimming, 85_00, agent)
    enrolments = [operations.enrol_child(activity=swimming, child=child, actor=guardian, at=AT)
                  for guardian, _h, child in families]
    operations.cancel_enrolment(enrolment=enrolments[0], actor=families[0][0], at=AT)
    with pytest.raises(DomainError) as refused:
        operations.charge_term_again(enrolment=enrolments[2], actor=families[1][0], at=AT)
    assert refused.value.code == "not_a_child_of_the_household"
    assert TermCharge.objects.get(enrolment=enrolments[2]).refused_code == "insufficient_balance"


# Billed by invoice -------------------------------------------------------------------------------

@pytest.fixture
def music(make_activity, make_service):
    """The music school's Saturday lessons billed by invoice: ten sessions at 8.50 € (4.00 €
    for the QF1 bracket), two places."""
    activity = make_activity("Music school", kind="lessons", places=2, units=("Piano",),
                             amount=850, billing_mode="invoice",
                             service=make_service("music", rule=ShortageRule.REFUSE))
    unit = activity.units.get()
    UnitPrice.objects.create(unit=unit, amount_cents=400, valid_from=date(2026, 1, 1),
                             income_bracket=IncomeBracket.objects.get(code="QF1"))
    UnitDay.objects.bulk_create([UnitDay(unit=unit, day=day, capacity=2) for day in SATURDAYS])
    return activity


def numbers() -> list[str]:
    return sorted(invoice.number for invoice in Invoice.objects.all())


def test_an_invoice_mode_term_is_invoiced_once_at_enrolment_with_exact_amounts(
        music, family, manager):
    amina, household, yanis, lina = family
    enrolment = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    term = enrolment.term_charge
    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.term_id, invoice.statement_id, invoice.household_id,
            invoice.total_cents, invoice.status) == ("2026-000001", term.pk, None, household.pk,
                                                     40_00, "issued")
    assert [(line.ref, line.child, line.sessions, line.unit_price_cents, line.amount_cents)
            for line in invoice_lines(invoice)] == [
        (f"t{term.pk}", "Yanis Benali", 10, 400, 40_00)]
    # Nothing is charged to a wallet, and the term is not charged again.
    assert (term.entry_id, term.refused_code) == (None, "")
    assert not LedgerEntry.objects.exists()
    assert operations.charge_term_again(enrolment=enrolment, actor=amina, at=AT) == term
    # A retry writes nothing more; closing a month of lessons bills nothing more.
    assert operations.bill_term(enrolment, activity=music, actor=amina, at=AT) == term
    operations.close_month(activity=music, month=date(2026, 2, 1), actor=manager, at=CLOSING)
    assert numbers() == ["2026-000001"] and not LedgerEntry.objects.exists()
    # Lina's term follows in the same series, without gap.
    operations.enrol_child(activity=music, child=lina, actor=amina, at=AT)
    assert numbers() == ["2026-000001", "2026-000002"]
    assert InvoiceCounter.objects.get(series="invoice").last == 2
    assert check_billing() == []


def test_a_promoted_child_gets_the_terms_invoice_once(music, territory, make_login):
    families = [make_family(territory, make_login, i) for i in range(3)]
    enrolments = [operations.enrol_child(activity=music, child=child, actor=guardian, at=AT)
                  for guardian, _h, child in families]
    assert [e.status for e in enrolments] == ["active", "active", "waiting"]
    assert numbers() == ["2026-000001", "2026-000002"]  # no bracket: 10 × 8.50 € each
    operations.cancel_enrolment(enrolment=enrolments[0], actor=families[0][0], at=AT)
    invoice = Invoice.objects.get(term__enrolment=enrolments[2])
    assert (invoice.number, invoice.total_cents, invoice.household_id) == (
        "2026-000003", 85_00, families[2][1].pk)
    # Promoting again (no place left) or billing again writes nothing more.
    operations.promote_waiting(activity=music, at=AT)
    operations.bill_term(enrolments[2], activity=music, actor=None, at=AT)
    assert Invoice.objects.count() == 3 and TermCharge.objects.count() == 3
    # The first child left before the first session: its invoice is credited.
    assert Invoice.objects.get(term__enrolment=enrolments[0]).status == "cancelled"
    assert check_billing() == []


def test_withdrawing_before_the_first_session_credits_the_term_once_and_not_after(
        music, family, manager):
    amina, household, yanis, lina = family
    early = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    late = operations.enrol_child(activity=music, child=lina, actor=amina, at=AT)
    operations.cancel_enrolment(enrolment=early, actor=amina, at=AT)  # before 7 February
    operations.cancel_enrolment(enrolment=early, actor=amina, at=AT)  # again: nothing more
    operations.cancel_enrolment(enrolment=late, actor=amina, at=AT + timedelta(days=6))
    note = CreditNote.objects.get()
    assert (note.number, note.invoice.term.enrolment_id, note.amount_cents, note.refund_id) == (
        "AV-2026-000001", early.pk, 40_00, None)
    assert (note.reason_code, note.reason_params) == ("term_withdrawn", {"day": "2026-02-07"})
    assert note.reason_text == "Left before the first session, 7 February 2026"
    assert Invoice.objects.get(term__enrolment=early).status == "cancelled"
    assert Invoice.objects.get(term__enrolment=late).status == "issued"  # stays billed
    assert not LedgerEntry.objects.exists()
    assert check_billing() == []


def test_a_term_paid_then_withdrawn_is_refunded_into_the_wallet(music, family, make_login):
    amina, household, yanis, lina = family
    agent = make_login("agent@example.org", role=Role.COUNTER_AGENT)
    paid = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    part = operations.enrol_child(activity=music, child=lina, actor=amina, at=AT)
    paid_invoice = Invoice.objects.get(term__enrolment=paid)
    part_invoice = Invoice.objects.get(term__enrolment=part)
    invoices.pay_at_counter(invoice=paid_invoice, amount_cents=40_00, means="cash",
                            request_key="a", actor=agent, at=AT)
    invoices.pay_at_counter(invoice=part_invoice, amount_cents=15_00, means="cheque",
                            request_key="b", actor=agent, at=AT)
    assert list(PaymentAllocation.objects.values_list("term_id", "amount_cents")) == [
        (paid.term_charge.pk, 40_00), (part.term_charge.pk, 15_00)]
    for enrolment in (paid, part):
        operations.cancel_enrolment(enrolment=enrolment, actor=amina, at=AT)
    account = Account.objects.get(household=household, service=music.service)
    assert account.balance_cents == 55_00  # what was paid, back in the wallet
    refunds = sorted(note.refund.amount_cents for note in CreditNote.objects.all())
    assert refunds == [15_00, 40_00]
    for invoice in (paid_invoice, part_invoice):
        invoice.refresh_from_db()
        assert (invoice.status, invoice.due_cents) == ("cancelled", 0)
    assert check_billing() == []


def test_a_managers_credit_note_takes_the_terms_line(music, family, manager):
    amina, household, yanis, lina = family
    enrolment = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    invoice = Invoice.objects.get()
    invoices.credit(invoice=invoice, reason="Two lessons cancelled", amount_cents=8_00,
                    actor=manager, at=AT)
    [line] = invoice_lines(Invoice.objects.get())
    assert (line.credited_cents, line.creditable_cents) == (8_00, 32_00)
    invoices.credit(invoice=invoice, reason="Moved away", lines=[line.ref], actor=manager,
                    at=AT)
    invoice.refresh_from_db()
    assert (invoice.credited_cents, invoice.status) == (40_00, "cancelled")
    operations.cancel_enrolment(enrolment=enrolment, actor=amina, at=AT)
    assert CreditNote.objects.count() == 2  # already cancelled: no automatic note
    assert check_billing() == []


def test_check_billing_finds_a_terms_invoice_that_does_not_match(music, family):
    amina, household, yanis, lina = family
    enrolment = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    assert check_billing() == []
    Invoice.objects.filter(term=enrolment.term_charge).update(total_cents=41_00)
    assert any("total 4100 != term 4000" in problem for problem in check_billing())
    # A term invoiced for an activity charged to the wallet is not billed exactly once.
    Activity.objects.filter(pk=music.pk).update(billing_mode="wallet")
    assert f"term {enrolment.term_charge.pk}: not billed exactly once" in check_billing()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("who, pdf, staff_page, charge", [
    ("guardian", 200, 403, "unchanged"),
    ("other_family", 404, 403, 404),
    ("agent", 404, 200, "unchanged"),
    ("manager", 404, 200, "unchanged"),
])
def test_who_sees_the_terms_invoice_and_nobody_charges_it_to_a_wallet(
        music, family, territory, make_login, manager, client, settings, who, pdf, staff_page,
        charge):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    amina, household, yanis, lina = family
    enrolment = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    invoice = Invoice.objects.get()
    users = {"guardian": amina, "other_family": make_family(territory, make_login, 9)[0],
             "agent": make_login("agent@example.org", role=Role.COUNTER_AGENT),
             "manager": manager}
    client.force_login(users[who])
    status = client.get(reverse("childhood:my_invoice_pdf", args=[invoice.pk])).status_code
    assert status == pdf
    status = client.get(reverse("childhood:staff_invoice", args=[invoice.pk])).status_code
    assert status == staff_page
    response = client.post(reverse("childhood:charge_term", args=[enrolment.pk]))
    assert charge == "unchanged" or response.status_code == charge
    assert not LedgerEntry.objects.exists()
    assert TermCharge.objects.get().refused_code == ""


def test_the_family_reads_the_terms_invoice_in_its_language(music, family, client):
    amina, household, yanis, lina = family
    enrolment = operations.enrol_child(activity=music, child=yanis, actor=amina, at=AT)
    invoice = Invoice.objects.get()
    client.force_login(amina)
    page = client.get(reverse("childhood:enrolment", args=[enrolment.pk])).content.decode()
    assert ('Billed on invoice <bdi dir="ltr">2026-000001</bdi>.' in page
            and "Charge the term again" not in page)
    page = client.get(reverse("childhood:my_invoices")).content.decode()
    assert "2026-000001" in page and "Piano — term of lessons" in page
    Person.objects.filter(pk=amina.person.pk).update(language="fr")
    response = client.get(reverse("childhood:my_invoice_pdf", args=[invoice.pk]))
    text = pdf_text(response.content).replace(" €", "\u00a0€")
    assert "Facture 2026-000001" in text and "Music school" in text
    assert "Piano — forfait du cycle de cours" in text
    assert "4,00\u00a0€" in text and "40,00\u00a0€" in text
