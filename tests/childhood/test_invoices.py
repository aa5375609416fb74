"""Invoice-mode activities: a closed month becomes numbered invoices (no gap, even after a
rollback), paid at the counter or online through the wallet, cancelled by credit note, proven
by check-billing; debts pause new bookings; deadline and waiting-list notices go once."""

import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from civicard.childhood import invoices, operations, reminders
from civicard.childhood.models import (
    CreditNote,
    DebtLimitOverride,
    Invoice,
    InvoicePayment,
    NumberSeries,
    PaymentAllocation,
    Reminder,
    UnitPrice,
)
from civicard.childhood.queries import check_billing, invoice_lines, unpaid_statements
from civicard.core.errors import DomainError
from civicard.core.permissions import Role
from civicard.notifications.models import Notification
from civicard.people.models import Household, Membership, Person
from civicard.providers.payments import DummyProvider
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account, LedgerEntry, OnlinePayment

from .conftest import AT, CLOSING, make_family
from .test_operations import open_week

pytestmark = pytest.mark.django_db

FEBRUARY = date(2026, 2, 1)


def code_of(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


@pytest.fixture(autouse=True)
def staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def agent(make_login):
    return make_login("agent@example.org", role=Role.COUNTER_AGENT)


@pytest.fixture
def centre(family, make_activity, manager):
    """A leisure centre billed by invoice: Yanis booked four days at 12.35 €, present on the
    first and absent (justified) on the second; Lina booked two days at 7.10 € (her rank: a
    second child pays less)."""
    amina, household, yanis, lina = family
    activity = make_activity("Leisure centre", kind="leisure_centre", amount=1235,
                             billing_mode="invoice")
    unit = activity.units.get()
    UnitPrice.objects.create(unit=unit, from_rank=2, amount_cents=710,
                             valid_from=date(2026, 1, 1))
    for child in (yanis, lina):
        operations.enrol_child(activity=activity, child=child, actor=amina, at=AT)
    days = [d.day for d in open_week(unit)]
    for day in days:
        operations.reserve(child=yanis, unit=unit, day=day, actor=amina, at=AT)
    for day in days[:2]:
        operations.reserve(child=lina, unit=unit, day=day, actor=amina, at=AT)
    noon = datetime(2026, 2, 9, 11, 0, tzinfo=UTC)
    unit_day = unit.days.get(day=days[0])
    operations.mark(unit_day=unit_day, child=yanis, mark="present", at=noon)
    absent = operations.mark(unit_day=unit.days.get(day=days[1]), child=yanis, mark="absent",
                             at=noon)
    operations.justify(reservation=absent, actor=manager, at=noon)
    return SimpleNamespace(activity=activity, unit=unit, household=household, amina=amina,
                           yanis=yanis, lina=lina, manager=manager, days=days)


def close(centre, at=CLOSING):
    return operations.close_month(activity=centre.activity, month=FEBRUARY,
                                  actor=centre.manager, at=at)


def test_closing_an_invoice_month_issues_a_numbered_invoice_and_charges_no_wallet(centre):
    close(centre)
    invoice = Invoice.objects.get()
    # Yanis: three days at 12.35 (the justified absence is free); Lina: two at 7.10.
    assert (invoice.number, invoice.total_cents, invoice.status) == ("2026-000001", 5125,
                                                                     "issued")
    assert [(line.child, line.day, line.amount_cents) for line in invoice_lines(invoice)] == [
        ("Lina Benali", centre.days[0], 710), ("Lina Benali", centre.days[1], 710),
        ("Yanis Benali", centre.days[0], 1235), ("Yanis Benali", centre.days[2], 1235),
        ("Yanis Benali", centre.days[3], 1235)]
    assert not LedgerEntry.objects.exists()
    assert Account.objects.get(household=centre.household).balance_cents == 0
    close(centre, at=CLOSING + timedelta(hours=1))  # closing twice bills nothing more
    assert Invoice.objects.count() == 1
    assert not unpaid_statements(centre.manager).exists()  # followed as an invoice
    operations.charge_again(statement=invoice.statement, actor=centre.manager, at=CLOSING)
    assert not LedgerEntry.objects.exists()
    assert check_billing() == []


def test_numbers_follow_per_territory_and_year_and_a_rollback_leaves_no_gap(
        centre, territory, make_activity):
    close(centre)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoices.take_numbers(territory_id=territory.pk, series=NumberSeries.INVOICE,
                              year=2026, count=3)
        raise RuntimeError("the closing failed after taking its numbers")
    assert invoices.take_numbers(territory_id=territory.pk, series=NumberSeries.INVOICE,
                                 year=2026, count=1) == 2
    assert invoices.take_numbers(territory_id=territory.pk, series=NumberSeries.INVOICE,
                                 year=2027, count=2) == 1
    assert invoices.take_numbers(territory_id=territory.pk, series=NumberSeries.CREDIT_NOTE,
                                 year=2026, count=1) == 1


def test_a_counter_payment_passes_through_the_wallet_and_is_allocated_to_the_oldest_lines(
        centre, agent):
    close(centre)
    invoice = Invoice.objects.get()
    first = invoices.pay_at_counter(invoice=invoice, amount_cents=1500, means="cash",
                                    request_key="k1", actor=agent, at=CLOSING)
    again = invoices.pay_at_counter(invoice=invoice, amount_cents=1500, means="cash",
                                    request_key="k1", actor=agent, at=CLOSING)
    assert again.pk == first.pk  # the same form sent twice records one payment
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.due_cents, invoice.status) == (1500, 3625,
                                                                       "partly_paid")
    entries = list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount_cents",
                                                                  "means"))
    assert entries == [("top_up", 1500, "cash"), ("charge", -1500, "")]
    assert Account.objects.get(household=centre.household).balance_cents == 0
    # Monday 9: Yanis's 12.35, then 2.65 of Lina's 7.10.
    assert list(PaymentAllocation.objects.order_by("pk").values_list(
        "line__reservation__child__full_name", "amount_cents")) == [
        ("Yanis Benali", 1235), ("Lina Benali", 265)]
    assert code_of(lambda: invoices.pay_at_counter(
        invoice=invoice, amount_cents=3626, means="cash", request_key="k2", actor=agent,
        at=CLOSING)) == "amount_above_due"
    assert LedgerEntry.objects.count() == 2  # the refusal wrote nothing
    invoices.pay_at_counter(invoice=invoice, amount_cents=3625, means="cheque",
                            request_key="k3", actor=agent, at=CLOSING)
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (5125, "paid")
    assert code_of(lambda: invoices.pay_at_counter(
        invoice=invoice, amount_cents=1, means="cash", request_key="k4", actor=agent,
        at=CLOSING)) == "nothing_due"
    assert code_of(lambda: invoices.pay_at_counter(
        invoice=invoice, amount_cents=1, means="cash", request_key="k5", actor=centre.amina,
        at=CLOSING)) == "permission_refused"
    assert check_billing() == []


def test_an_online_payment_is_passed_on_once_by_the_providers_notice(centre, agent):
    close(centre)
    invoice = Invoice.objects.get()
    payment = invoices.start_online_payment(invoice=invoice, provider="dummy",
                                            actor=centre.amina, at=CLOSING)
    assert payment.amount_cents == 5125
    notice = DummyProvider.notice_for(payment)
    for _ in range(2):  # a notice repeated by the provider credits once
        wallets.settle_online_payment(provider="dummy", reference=payment.reference,
                                      paid=True, amount_cents=5125, currency="EUR",
                                      at=CLOSING + timedelta(minutes=1))
    assert notice["status"] == "paid"
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (5125, "paid")
    paid = InvoicePayment.objects.get()
    assert (paid.means, paid.online_payment_id, paid.entry.amount_cents) == ("online",
                                                                             payment.pk, -5125)
    assert Account.objects.get(household=centre.household).balance_cents == 0
    assert check_billing() == []


def test_money_paid_online_after_the_counter_took_part_stays_in_the_wallet(centre, agent):
    close(centre)
    invoice = Invoice.objects.get()
    payment = invoices.start_online_payment(invoice=invoice, provider="dummy",
                                            actor=centre.amina, at=CLOSING)
    invoices.pay_at_counter(invoice=invoice, amount_cents=5000, means="cash",
                            request_key="k1", actor=agent, at=CLOSING)
    wallets.settle_online_payment(provider="dummy", reference=payment.reference, paid=True,
                                  amount_cents=5125, currency="EUR", at=CLOSING)
    invoice.refresh_from_db()
    assert (invoice.paid_cents, invoice.status) == (5125, "paid")
    assert Account.objects.get(household=centre.household).balance_cents == 5000
    assert check_billing() == []


def test_a_credit_note_cancels_the_invoice_and_gives_back_what_was_paid(centre, agent):
    close(centre)
    invoice = Invoice.objects.get()
    invoices.pay_at_counter(invoice=invoice, amount_cents=2000, means="cash",
                            request_key="k1", actor=agent, at=CLOSING)
    assert code_of(lambda: invoices.cancel_by_credit_note(
        invoice=invoice, reason="Centre closed", actor=agent, at=CLOSING)) == \
        "permission_refused"
    note = invoices.cancel_by_credit_note(invoice=invoice, reason="  Centre  closed ",
                                          actor=centre.manager, at=CLOSING)
    assert (note.number, note.amount_cents, note.reason) == ("AV-2026-000001", 5125,
                                                             "Centre closed")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.due_cents, invoice.paid_cents) == ("cancelled", 0, 2000)
    assert note.refund.amount_cents == 2000
    assert Account.objects.get(household=centre.household).balance_cents == 2000
    assert code_of(lambda: invoices.cancel_by_credit_note(
        invoice=invoice, reason="again", actor=centre.manager, at=CLOSING)) == \
        "invoice_already_cancelled"
    assert code_of(lambda: invoices.pay_at_counter(
        invoice=invoice, amount_cents=1, means="cash", request_key="k2", actor=agent,
        at=CLOSING)) == "nothing_due"
    assert (Invoice.objects.count(), CreditNote.objects.count()) == (1, 1)
    assert check_billing() == []


def test_check_billing_finds_a_payment_that_does_not_add_up(centre, agent):
    close(centre)
    invoice = Invoice.objects.get()
    invoices.pay_at_counter(invoice=invoice, amount_cents=1000, means="cash",
                            request_key="k1", actor=agent, at=CLOSING)
    Invoice.objects.filter(pk=invoice.pk).update(paid_cents=1001)
    assert check_billing() == [
        "invoice 2026-000001: paid 1001 != payments 1000"]


def test_unpaid_invoices_pause_new_bookings_unless_the_household_has_its_own_limit(
        centre, manager):
    close(centre)
    centre.activity.debt_limit_cents = 5000
    centre.activity.save()
    march = date(2026, 3, 2)
    operations.open_days(unit=centre.unit, days=[march], actor=manager, at=AT)
    book = lambda: operations.reserve(child=centre.lina, unit=centre.unit,  # noqa: E731
                                      day=march, actor=centre.amina, at=AT)
    assert operations.owed_cents(centre.household.pk, centre.activity) == 5125
    assert code_of(book) == "debt_limit_reached"
    household = Household.objects.get(pk=centre.household.pk)
    operations.set_debt_limit(household=household, limit_cents=None, actor=manager, at=AT)
    assert book().state == "reserved"
    operations.set_debt_limit(household=household, limit_cents=0, actor=manager, at=AT)
    assert code_of(lambda: operations.reserve(child=centre.yanis, unit=centre.unit, day=march,
                                              actor=centre.amina, at=AT)) == \
        "debt_limit_reached"
    assert code_of(lambda: operations.set_debt_limit(
        household=household, limit_cents=0, actor=centre.amina, at=AT)) == "permission_refused"


def test_a_deadline_reminder_goes_once_to_guardians_with_days_left_to_book(
        family, make_activity, territory, make_login):
    amina, household, yanis, lina = family
    canteen = make_activity("Canteen", deadline_weekday=3)  # Thursday noon, week before
    for child in (yanis, lina):
        operations.enrol_child(activity=canteen, child=child, actor=amina, at=AT)
    unit = canteen.units.get()
    days = [d.day for d in open_week(unit, monday=date(2026, 2, 16))]
    for day in days:
        operations.reserve(child=yanis, unit=unit, day=day, actor=amina, at=AT)
    tuesday = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)  # the deadline: Thursday 12 at noon
    assert reminders.send_deadline_reminders(at=tuesday) == 1
    assert reminders.send_deadline_reminders(at=tuesday + timedelta(hours=1)) == 0
    notice = Notification.objects.get(kind="childhood.deadline")
    assert notice.person == amina.person and "Lina" in notice.body
    assert "Yanis" not in notice.body  # all his days are booked
    assert reminders.send_deadline_reminders(at=datetime(2026, 2, 5, 8, tzinfo=UTC)) == 0


def test_the_deadline_reminder_is_written_in_the_readers_language(family, make_activity):
    amina, household, yanis, lina = family
    Person.objects.filter(pk=amina.person.pk).update(language="fr")
    canteen = make_activity("Cantine", deadline_weekday=3)
    operations.enrol_child(activity=canteen, child=lina, actor=amina, at=AT)
    open_week(canteen.units.get(), monday=date(2026, 2, 16))
    reminders.send_deadline_reminders(at=datetime(2026, 2, 10, 12, 0, tzinfo=UTC))
    notice = Notification.objects.get(kind="childhood.deadline")
    assert notice.language == "fr"
    body = notice.body_in(notice.language)  # read as she reads, in French
    assert "12 février 2026" in body and "Lina" in body


def test_a_place_from_the_waiting_list_is_told_once(territory, make_login, make_activity):
    lessons = make_activity("Swimming", kind="lessons", places=1)
    first, second = (make_family(territory, make_login, i) for i in range(2))
    taken = operations.enrol_child(activity=lessons, child=first[2], actor=first[0], at=AT)
    waiting = operations.enrol_child(activity=lessons, child=second[2], actor=second[0], at=AT)
    operations.cancel_enrolment(enrolment=taken, actor=first[0], at=AT)
    waiting.refresh_from_db()
    assert waiting.status == "active"
    assert reminders.place_offered(waiting, AT) == 0  # already told by the promotion
    assert Notification.objects.filter(kind="childhood.place_offered").count() == 1
    assert Reminder.objects.filter(key__startswith="place:").count() == 1


# Pages ------------------------------------------------------------------------------------------

def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_family_sees_its_invoices_and_a_pdf_in_its_language(client, centre, make_login,
                                                                 territory):
    close(centre)
    invoice = Invoice.objects.get()
    Person.objects.filter(pk=centre.amina.person.pk).update(language="fr")
    client.force_login(centre.amina)
    page = client.get(reverse("childhood:my_invoices"))
    assert page.status_code == 200 and "2026-000001" in page.content.decode()
    response = client.get(reverse("childhood:my_invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Facture 2026-000001" in text
    assert "Amina Benali" in text  # addressed to the household's guardians
    assert "12,35\u00a0€" in text.replace(" €", "\u00a0€") and "51,25" in text
    assert "09/02/2026" in text
    stranger = make_login("stranger@example.org")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=stranger.person, is_guardian=True)
    client.force_login(stranger)
    assert client.get(reverse("childhood:my_invoice_pdf", args=[invoice.pk])).status_code == 404


def test_paying_online_from_the_family_page_goes_to_the_bank(client, centre):
    close(centre)
    invoice = Invoice.objects.get()
    client.force_login(centre.amina)
    response = client.post(reverse("childhood:pay_invoice", args=[invoice.pk]))
    payment = OnlinePayment.objects.get()
    assert response.status_code == 302
    assert response.url.startswith(reverse("wallets:dummy_bank", args=[payment.reference]))
    back = client.post(response.url, {"choice": "pay"})
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    # the bank sends the family back to its invoices, where this one now reads paid
    assert back.url == f"http://testserver{reverse('childhood:my_invoices')}"
    # a return address elsewhere is not followed
    elsewhere = client.post(f"{reverse('wallets:dummy_bank', args=[payment.reference])}"
                            "?return=https://evil.example/", {"choice": "pay", "notify": "0"})
    assert elsewhere.url == reverse("wallets:payment_return", args=[payment.reference])


@pytest.mark.parametrize("role, commune, status", [
    (Role.COUNTER_AGENT, None, 200), (Role.SERVICE_MANAGER, None, 200),
    (Role.SERVICE_MANAGER, "other", 404), (None, None, 403)])
def test_staff_invoice_pages_are_scoped_by_commune(client, centre, make_login, territory,
                                                   role, commune, status):
    centre.activity.commune = territory.communes.get(name="Nordville")
    centre.activity.save()
    close(centre)
    invoice = Invoice.objects.get()
    user = make_login("staff@example.org", role=role,
                      commune=territory.communes.get(name="Sudville") if commune else None)
    client.force_login(user)
    page = client.get(reverse("childhood:staff_invoice", args=[invoice.pk]))
    assert page.status_code == status
    listing = client.get(reverse("childhood:staff_invoices"))
    if status == 403:
        assert listing.status_code == 403
    else:
        assert ("2026-000001" in listing.content.decode()) == (status == 200)
    if status == 200:  # the household is named by its guardians, owing and invoiced
        assert listing.content.decode().count("<bdi>Amina Benali</bdi>") == 2
        assert ": <bdi>Amina Benali</bdi></p>" in page.content.decode()


def test_an_agent_takes_a_payment_and_a_refused_one_changes_nothing(client, centre, agent):
    close(centre)
    invoice = Invoice.objects.get()
    client.force_login(agent)
    url = reverse("childhood:staff_invoice", args=[invoice.pk])
    refused = client.post(url, {"form": "pay", "amount": "60", "means": "cash",
                                "request_key": "a"})
    assert refused.status_code == 422 and not LedgerEntry.objects.exists()
    response = client.post(url, {"form": "pay", "amount": "51,25", "means": "cash",
                                 "request_key": "b"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    pdf = client.get(reverse("childhood:staff_invoice_pdf", args=[invoice.pk]))
    assert "0.00" in pdf_text(pdf.content)  # left to pay, in the family's language (English)


def test_a_manager_cancels_by_credit_note_and_sets_the_household_limit_on_the_page(
        client, centre):
    close(centre)
    invoice = Invoice.objects.get()
    client.force_login(centre.manager)
    url = reverse("childhood:staff_invoice", args=[invoice.pk])
    assert client.post(url, {"form": "limit", "limit": "abc"}).status_code == 422
    assert client.post(url, {"form": "limit", "limit": "20,50"}).status_code == 302
    assert client.post(url, {"form": "credit", "reason": ""}).status_code == 422
    assert Invoice.objects.get().status == "issued"
    response = client.post(url, {"form": "credit", "reason": "Closed for works"})
    assert response.status_code == 302
    assert Invoice.objects.get().status == "cancelled"
    assert DebtLimitOverride.objects.get().limit_cents == 2050
    page = client.get(url).content.decode()
    assert "AV-2026-000001" in page and "Take a payment" not in page
