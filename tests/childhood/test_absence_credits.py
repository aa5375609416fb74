"""An absence accepted after its month was closed: the closed month keeps its lines and the
month's bill gets a credit note — on the wallet's statement (refunded, or charged that much
less when it was not charged yet) or on the invoice (a nursery contract's hours included) —
once, in the reader's language, proven by check-billing."""

import importlib
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import translation

from civicard.childhood import operations
from civicard.childhood.models import Absence, ContractLine, CreditNote, Invoice, Statement
from civicard.childhood.queries import check_billing, unpaid_statements
from civicard.core.money import format_cents
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.models import Account, ShortageRule

from .conftest import AT, CLOSING
from .test_contracts import baby, february, nursery, pdf  # noqa: F401 (fixtures)
from .test_invoices import agent, centre, close  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def staff_without_mfa(settings, tmp_path):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.MEDIA_ROOT = tmp_path


def certificate():
    return SimpleUploadedFile("certificat.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
                              content_type="application/pdf")


def ill_after_closing(centre, *, at=CLOSING + timedelta(minutes=1)) -> Absence:  # noqa: F811
    """Yanis was ill on his last two booked days (billed as booked, 12.35 € each); the
    certificate comes after the closing and is accepted."""
    enrolment = centre.activity.enrolments.get(child=centre.yanis)
    absence = operations.declare_absence(
        enrolment=enrolment, reason="illness", starts_on=centre.days[2], ends_on=centre.days[3],
        upload=certificate(), actor=centre.amina, at=CLOSING)
    return operations.decide_absence(absence=absence, accept=True, actor=centre.manager, at=at)


@pytest.fixture
def by_wallet(centre, agent):  # noqa: F811
    """The leisure centre charged to the wallet (the service refuses when the balance is too
    low)."""
    centre.activity.billing_mode = "wallet"
    centre.activity.save()
    centre.activity.service.shortage_rule = ShortageRule.REFUSE
    centre.activity.service.save()
    centre.account = wallets.open_account(household=centre.household,
                                          service=centre.activity.service, at=AT)
    return centre


def test_a_month_charged_to_the_wallet_is_refunded_the_days_justified_after_closing(
        by_wallet, agent, client):  # noqa: F811
    wallets.top_up(account=by_wallet.account, amount_cents=51_25, means="cash",
                   reason=Label("counter_top_up"), idempotency_key="top-up", actor=agent, at=AT)
    close(by_wallet)
    statement = Statement.objects.get()
    assert (statement.total_cents, statement.entry.amount_cents) == (51_25, -51_25)
    absence = ill_after_closing(by_wallet)
    note = CreditNote.objects.get()
    assert note.reason_params["absence"] == absence.pk
    assert (note.number, note.statement_id, note.invoice_id, note.amount_cents) == (
        "AV-2026-000001", statement.pk, None, 24_70)
    assert sorted(note.lines.values_list("line__reservation__unit_day__day", "amount_cents")) == [
        (by_wallet.days[2], 12_35), (by_wallet.days[3], 12_35)]
    assert (note.refund.kind, note.refund.amount_cents, note.refund.account_id,
            note.refund.label) == ("refund", 24_70, by_wallet.account.pk,
                                   "Credit note AV-2026-000001")
    by_wallet.account.refresh_from_db()
    assert by_wallet.account.balance_cents == 24_70
    # The closed month is not edited.
    assert (Statement.objects.get().total_cents, statement.lines.count()) == (51_25, 5)
    assert check_billing() == []
    # The family and the staff read it under the absence.
    amount = format_cents(24_70, "EUR")
    said = f"Given back after the month was closed: credit note AV-2026-000001, {amount}."
    for reader, page in ((by_wallet.amina, "childhood:enrolment"),
                         (by_wallet.manager, "childhood:staff_enrolment")):
        client.force_login(reader)
        assert said in client.get(reverse(page, args=[absence.enrolment_id])).content.decode()
    # A second absence over the same days credits nothing more.
    ill_after_closing(by_wallet, at=CLOSING + timedelta(minutes=2))
    by_wallet.account.refresh_from_db()
    assert (CreditNote.objects.count(), by_wallet.account.balance_cents) == (1, 24_70)
    assert check_billing() == []


def test_a_month_the_wallet_refused_is_charged_less_once_credited(by_wallet, agent, manager):  # noqa: F811
    close(by_wallet)  # nothing in the wallet: the service's rule refuses 51.25 €
    statement = Statement.objects.get()
    assert (statement.entry_id, statement.refused_code) == (None, "insufficient_balance")
    ill_after_closing(by_wallet)
    note = CreditNote.objects.get()
    assert (note.amount_cents, note.refund_id) == (24_70, None)  # nothing was paid
    assert [(s.pk, s.due_cents) for s in unpaid_statements(manager)] == [(statement.pk, 26_55)]
    assert check_billing() == []
    wallets.top_up(account=by_wallet.account, amount_cents=26_55, means="cash",
                   reason=Label("counter_top_up"), idempotency_key="top-up", actor=agent, at=AT)
    operations.charge_again(statement=statement, actor=manager, at=CLOSING + timedelta(hours=1))
    statement.refresh_from_db()
    by_wallet.account.refresh_from_db()
    assert (statement.entry.amount_cents, by_wallet.account.balance_cents) == (-26_55, 0)
    assert list(unpaid_statements(manager)) == []
    assert check_billing() == []


def test_a_nursery_invoice_is_credited_the_hours_of_an_absence_accepted_after_closing(
        nursery, february, manager, baby, family):  # noqa: F811
    nursery.billing_mode = "invoice"
    nursery.save()
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager, at=CLOSING)
    invoice = Invoice.objects.get()
    assert invoice.total_cents == 282_26
    # Hospitalised on Tuesday 10 (9 h of the contract, 9 h × 1.86 € = 16.74 €).
    absence = operations.declare_absence(
        enrolment=baby, reason="hospitalisation", starts_on=date(2026, 2, 10),
        ends_on=date(2026, 2, 10), upload=pdf(), actor=family[0], at=AT)
    operations.decide_absence(absence=absence, accept=True, actor=manager,
                              at=CLOSING + timedelta(days=1))
    note = CreditNote.objects.get()
    invoice.refresh_from_db()
    monthly = ContractLine.objects.get(kind="monthly")
    assert (note.invoice_id, note.amount_cents, note.refund_id) == (invoice.pk, 16_74, None)
    assert list(note.lines.values_list("contract_line_id", "amount_cents")) == [
        (monthly.pk, 16_74)]
    assert (invoice.credited_cents, invoice.due_cents, invoice.status) == (
        16_74, 265_52, "issued")
    assert note.reason_text == "Justified absence (hospitalisation), 10 February 2026"
    assert check_billing() == []


def test_the_check_finds_an_absence_accepted_after_closing_and_not_credited(by_wallet, agent):  # noqa: F811
    close(by_wallet)
    enrolment = by_wallet.activity.enrolments.get(child=by_wallet.yanis)
    absence = operations.declare_absence(
        enrolment=enrolment, reason="illness", starts_on=by_wallet.days[3],
        ends_on=by_wallet.days[3], upload=certificate(), actor=by_wallet.amina, at=CLOSING)
    # Accepted behind the operation's back: no credit note.
    Absence.objects.filter(pk=absence.pk).update(status="accepted",
                                                 decided_at=CLOSING + timedelta(minutes=1))
    line = Statement.objects.get().lines.get(reservation__unit_day__day=by_wallet.days[3],
                                             reservation__child=by_wallet.yanis)
    assert check_billing() == [f"absence {absence.pk}: line {line.pk} not credited"]
    assert Account.objects.get(pk=by_wallet.account.pk).balance_cents == 0


MIGRATION = importlib.import_module("civicard.childhood.migrations.0008_credit_note_reasons")


def test_the_rules_reasons_stored_as_english_sentences_get_their_codes_back(centre):  # noqa: F811
    close(centre)
    invoice = Invoice.objects.get()
    written = ["absence 12: illness 2026-02-12/2026-02-13",
               "term 4: enrolment 9 cancelled before the first session (2026-09-05)",
               "Sortie annulée par le centre"]
    for sequence, reason in enumerate(written, start=1):
        CreditNote.objects.create(invoice=invoice, territory_id=invoice.territory_id, year=2026,
                                  sequence=sequence, issued_at=CLOSING, issued_by=centre.manager,
                                  amount_cents=1, reason=reason)
    then = MigrationLoader(connection).project_state(
        ("childhood", "0008_credit_note_reasons")).apps
    MIGRATION.code_the_rules_reasons(then, connection.schema_editor())
    assert list(CreditNote.objects.order_by("sequence").values_list(
        "reason", "reason_code", "reason_params")) == [
        ("", "absence", {"absence": 12, "reason": "illness", "first": "2026-02-12",
                         "last": "2026-02-13"}),
        ("", "term_withdrawn", {"day": "2026-09-05"}),
        ("Sortie annulée par le centre", "", {})]
    with translation.override("fr"):
        assert [note.reason_text for note in CreditNote.objects.order_by("sequence")] == [
            "Absence justifiée (maladie, avec certificat médical), du 12 février 2026 au "
            "13 février 2026", "Départ avant la première séance, le 5 septembre 2026",
            "Sortie annulée par le centre"]


def test_the_check_finds_a_contract_month_not_credited_the_hours_of_a_late_absence(
        nursery, february, manager, baby, family):  # noqa: F811
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager, at=CLOSING)
    absence = operations.declare_absence(
        enrolment=baby, reason="hospitalisation", starts_on=date(2026, 2, 10),
        ends_on=date(2026, 2, 10), upload=pdf(), actor=family[0], at=AT)
    Absence.objects.filter(pk=absence.pk).update(status="accepted",
                                                 decided_at=CLOSING + timedelta(days=1))
    monthly = ContractLine.objects.get(kind="monthly")
    # Deducted at the closing: 27 h = 50.22 €; with Tuesday 10: 36 h = 66.96 €.
    assert check_billing() == [f"contract line {monthly.pk}: deduction 6696 != deducted 5022"]


def test_the_family_reads_the_invoices_credit_notes_and_their_reasons(centre, client):  # noqa: F811
    close(centre)
    ill_after_closing(centre)
    note = CreditNote.objects.get()
    client.force_login(centre.amina)
    page = client.get(reverse("childhood:my_invoices")).content.decode()
    assert f"Credit note {note.number} of " in page
    assert "Justified absence (illness, with a medical certificate), 12 February 2026 to " \
           "13 February 2026" in page
