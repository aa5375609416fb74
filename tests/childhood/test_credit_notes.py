"""A nursery invoice lists its contract's lines; credit notes take some lines or an amount off
an invoice, never more than what is left, and give back what was paid beyond what is due."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from civicard.childhood import invoices, operations
from civicard.childhood.models import CreditNote, CreditNoteLine, Invoice, InvoiceCounter
from civicard.childhood.queries import check_billing, invoice_lines
from civicard.wallets.models import Account, LedgerEntry

from .conftest import CLOSING
from .test_contracts import baby, february, nursery  # noqa: F401 (fixtures)
from .test_invoices import FEBRUARY, agent, centre, close, code_of, pdf_text  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def nursery_invoice(nursery, february, manager):  # noqa: F811
    nursery.billing_mode = "invoice"
    nursery.save()
    operations.close_month(activity=nursery, month=FEBRUARY, actor=manager, at=CLOSING)
    return Invoice.objects.get()


def test_a_nursery_invoice_lists_the_contract_lines_that_make_its_total(nursery_invoice):
    lines = invoice_lines(nursery_invoice)
    # 176.25 h × 1.86 € = 327.83 €; 2 h 30 beyond × 1.86 € = 4.65 €; 27 h deducted = −50.22 €.
    assert [(line.minutes, line.unit_price_cents, line.amount_cents) for line in lines] == [
        (10_575, 186, 327_83), (150, 186, 4_65), (1_620, 186, -50_22)]
    assert [line.what for line in lines] == [
        "monthly amount of the contract", "hours beyond the contract",
        "justified absences deducted"]
    assert sum(line.amount_cents for line in lines) == nursery_invoice.total_cents == 282_26
    assert check_billing() == []


def test_the_nursery_invoice_pdf_and_page_show_quantity_unit_price_and_amount(
        client, nursery_invoice, manager):
    client.force_login(manager)
    page = client.get(reverse("childhood:staff_invoice", args=[nursery_invoice.pk]))
    assert page.status_code == 200
    assert "176.25 h" in page.content.decode() and "327.83" in page.content.decode()
    pdf = client.get(reverse("childhood:staff_invoice_pdf", args=[nursery_invoice.pk]))
    text = " ".join(pdf_text(pdf.content).split())
    assert "monthly amount of the contract 176.25 h 1.86 € 327.83 €" in text
    assert "hours beyond the contract 2.50 h 1.86 € 4.65 €" in text
    assert "justified absences deducted 27 h 1.86 € -50.22 €" in text
    assert "Total 282.26 €" in text


def test_a_payment_on_a_nursery_invoice_is_allocated_to_its_contract_lines(
        nursery_invoice, agent):  # noqa: F811
    invoices.pay_at_counter(invoice=nursery_invoice, amount_cents=282_26, means="cash",
                            request_key="k", actor=agent, at=CLOSING)
    nursery_invoice.refresh_from_db()
    assert nursery_invoice.status == "paid" and check_billing() == []


def test_partial_credit_notes_never_credit_more_than_is_left(centre, agent):  # noqa: F811
    close(centre)
    invoice = Invoice.objects.get()
    lines = invoice_lines(invoice)
    lina_first = lines[0]  # 7.10 €
    note = invoices.credit(invoice=invoice, reason="Day of strike", lines=[lina_first.ref],
                           actor=centre.manager, at=CLOSING)
    invoice.refresh_from_db()
    assert (note.number, note.amount_cents, note.refund_id) == ("AV-2026-000001", 710, None)
    assert (invoice.status, invoice.credited_cents, invoice.due_cents) == ("issued", 710,
                                                                           51_25 - 7_10)
    assert CreditNoteLine.objects.get().line_id == int(lina_first.ref[1:])
    # The same line again, or more than the 44.15 € left: refused, nothing written.
    assert code_of(lambda: invoices.credit(invoice=invoice, reason="again",
                                           lines=[lina_first.ref], actor=centre.manager,
                                           at=CLOSING)) == "credit_above_invoice"
    assert code_of(lambda: invoices.credit(invoice=invoice, reason="too much",
                                           amount_cents=44_16, actor=centre.manager,
                                           at=CLOSING)) == "credit_above_invoice"
    assert code_of(lambda: invoices.credit(invoice=invoice, reason="", amount_cents=1,
                                           actor=centre.manager, at=CLOSING)) == "invalid_input"
    assert CreditNote.objects.count() == 1
    assert InvoiceCounter.objects.get(series="credit_note").last == 1
    # Paid in full, then 10 € credited: the 10 € go back to the wallet as a refund.
    invoices.pay_at_counter(invoice=invoice, amount_cents=44_15, means="cash",
                            request_key="k", actor=agent, at=CLOSING)
    second = invoices.credit(invoice=invoice, reason="Meal not served", amount_cents=10_00,
                             actor=centre.manager, at=CLOSING + timedelta(minutes=1))
    invoice.refresh_from_db()
    assert (second.number, second.refund.amount_cents) == ("AV-2026-000002", 10_00)
    assert (invoice.status, invoice.due_cents, invoice.kept_cents) == ("paid", 0, 34_15)
    assert Account.objects.get(household=centre.household).balance_cents == 10_00
    assert check_billing() == []
    # What is left, cancelled: 34.15 € credited and given back; the invoice is cancelled.
    last = invoices.cancel_by_credit_note(invoice=invoice, reason="Closed",
                                          actor=centre.manager, at=CLOSING)
    invoice.refresh_from_db()
    assert (last.amount_cents, last.refund.amount_cents, invoice.status) == (34_15, 34_15,
                                                                             "cancelled")
    assert invoice.credited_cents == invoice.total_cents == 51_25
    assert Account.objects.get(household=centre.household).balance_cents == 44_15
    assert check_billing() == []
    Invoice.objects.filter(pk=invoice.pk).update(credited_cents=51_00)
    assert any("credited 5100 and refunded 4415 != credit notes 5125" in p
               for p in check_billing())


def test_a_manager_credits_lines_on_the_invoice_page(client, centre):  # noqa: F811
    close(centre)
    invoice = Invoice.objects.get()
    refs = [line.ref for line in invoice_lines(invoice)]
    client.force_login(centre.manager)
    url = reverse("childhood:staff_invoice", args=[invoice.pk])
    refused = client.post(url, {"form": "credit", "reason": "x", "amount": "60"})
    assert refused.status_code == 422 and "credit" in refused.content.decode()
    assert not CreditNote.objects.exists()
    response = client.post(url, {"form": "credit", "reason": "Strike",
                                 "lines": refs[:2]})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.credited_cents, invoice.status) == (14_20, "issued")
    page = client.get(url).content.decode()
    assert "AV-2026-000001" in page
    assert 'Left to credit: <bdi dir="ltr">37.05' in page
    assert not LedgerEntry.objects.exists() and check_billing() == []


def test_an_absence_accepted_after_its_month_was_closed_credits_its_billed_days_once(
        centre, agent, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    close(centre)
    invoice = Invoice.objects.get()
    invoices.pay_at_counter(invoice=invoice, amount_cents=51_25, means="cash",
                            request_key="k", actor=agent, at=CLOSING)
    account = Account.objects.get(household=centre.household)
    # Yanis was ill on his last two booked days (billed as booked, 12.35 € each); the
    # certificate comes after the closing and is accepted.
    enrolment = centre.activity.enrolments.get(child=centre.yanis)
    absence = operations.declare_absence(
        enrolment=enrolment, reason="illness", starts_on=centre.days[2],
        ends_on=centre.days[3], upload=SimpleUploadedFile(
            "certificat.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf"),
        actor=centre.amina, at=CLOSING)
    operations.decide_absence(absence=absence, accept=True, actor=centre.manager,
                              at=CLOSING + timedelta(minutes=1))
    note = CreditNote.objects.get()
    invoice.refresh_from_db()
    account.refresh_from_db()
    assert (note.number, note.amount_cents, note.reason, note.reason_code,
            note.reason_params) == (
        "AV-2026-000001", 24_70, "", "absence",
        {"absence": absence.pk, "reason": "illness", "first": "2026-02-12",
         "last": "2026-02-13"})
    # The reason is written out in the reader's language.
    assert note.reason_text == ("Justified absence (illness, with a medical certificate), "
                                "12 February 2026 to 13 February 2026")
    with translation.override("fr"):
        assert note.reason_text == ("Absence justifiée (maladie, avec certificat médical), "
                                    "du 12 février 2026 au 13 février 2026")
    assert sorted(CreditNoteLine.objects.values_list("line__reservation__unit_day__day",
                                                     "amount_cents")) == [
        (centre.days[2], 12_35), (centre.days[3], 12_35)]
    # It was paid: the 24.70 € go back to the wallet for the service, once.
    assert (note.refund.kind, note.refund.amount_cents, note.refund.account_id) == (
        "refund", 24_70, account.pk)
    assert (invoice.credited_cents, invoice.refunded_cents, invoice.status) == (
        24_70, 24_70, "paid")
    assert account.balance_cents == 24_70
    assert check_billing() == []
    # Deciding again is refused; another absence over the same days credits nothing more.
    assert code_of(lambda: operations.decide_absence(
        absence=absence, accept=True, actor=centre.manager, at=CLOSING)) == \
        "absence_decided"
    again = operations.declare_absence(
        enrolment=enrolment, reason="illness", starts_on=centre.days[2],
        ends_on=centre.days[3], upload=SimpleUploadedFile(
            "certificat.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf"),
        actor=centre.amina, at=CLOSING)
    entries = LedgerEntry.objects.count()
    operations.decide_absence(absence=again, accept=True, actor=centre.manager, at=CLOSING)
    assert (CreditNote.objects.count(), LedgerEntry.objects.count()) == (1, entries)
    assert InvoiceCounter.objects.get(series="credit_note").last == 1
    assert check_billing() == []
