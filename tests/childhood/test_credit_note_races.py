"""Two partial credit notes of one invoice at once, on PostgreSQL: never more than the invoice."""

import pytest

from civicard.childhood import invoices
from civicard.childhood.models import CreditNote, Invoice, InvoiceCounter
from civicard.childhood.queries import check_billing
from civicard.people.models import User
from tests.races import race

from .conftest import CLOSING
from .test_invoices import centre, close  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


def test_two_partial_credit_notes_at_once_never_exceed_the_invoice(postgres_only,
                                                                   centre):  # noqa: F811
    close(centre)
    invoice_id = Invoice.objects.get().pk  # 51.25 €

    def work(index):
        return invoices.credit(invoice=Invoice.objects.get(pk=invoice_id),
                               reason=f"Correction {index}", amount_cents=30_00,
                               actor=User.objects.get(pk=centre.manager.pk), at=CLOSING).number

    results = race(2, work)
    assert sorted(results) == ["AV-2026-000001", "credit_above_invoice"]
    invoice = Invoice.objects.get()
    assert (invoice.credited_cents, invoice.due_cents) == (30_00, 21_25)
    assert CreditNote.objects.count() == 1
    assert InvoiceCounter.objects.get(series="credit_note").last == 1
    assert check_billing() == []
