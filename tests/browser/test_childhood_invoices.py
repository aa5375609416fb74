"""A manager closes last month of a leisure centre billed by invoice; the family (reading
French) finds the invoice on a phone, its PDF is right to the cent, and pays it online."""

import io
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from pypdf import PdfReader

from civicard.childhood import operations
from civicard.childhood.models import Activity, Invoice, Unit, UnitDay, UnitPrice
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.wallets.models import LedgerEntry, PaymentMode, Service
from tests.conftest import PASSWORD


def _centre(territory, today: date):
    service = Service.objects.create(territory=territory, slug="leisure", name="Leisure centre",
                                     payment_mode=PaymentMode.PREPAID_WALLET)
    activity = Activity.objects.create(
        territory=territory, service=service, name="Centre de loisirs des Tilleuls",
        kind="leisure_centre", billing_mode="invoice",
        season_starts_on=today - timedelta(days=120), season_ends_on=today + timedelta(days=90))
    unit = Unit.objects.create(activity=activity, name="Journée", capacity=24)
    UnitPrice.objects.create(unit=unit, amount_cents=1235, valid_from=today - timedelta(days=120))
    return activity, unit


def _words(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_a_closed_month_becomes_an_invoice_right_to_the_cent_and_paid_online(
        visitor, settings, territory, make_login):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    today = timezone.localdate()
    activity, unit = _centre(territory, today)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    days = [last_month + timedelta(days=n) for n in (2, 9, 16)]
    UnitDay.objects.bulk_create([UnitDay(unit=unit, day=day, capacity=24) for day in days])
    amina = make_login("amina@example.org", full_name="Amina Benali", language="fr")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=amina.person, is_guardian=True)
    yanis = Person.objects.create(full_name="Yanis Benali", birth_date=date(2016, 5, 1))
    Membership.objects.create(household=household, person=yanis)
    long_ago = timezone.make_aware(datetime.combine(last_month - timedelta(days=20), time(8)))
    operations.enrol_child(activity=activity, child=yanis, actor=amina, at=long_ago)
    for number, unit_day in enumerate(UnitDay.objects.order_by("day")):
        operations.reserve(child=yanis, unit=unit, day=unit_day.day, actor=amina, at=long_ago)
        operations.mark(unit_day=unit_day, child=yanis, mark="absent" if number == 1 else
                        "present", at=timezone.make_aware(datetime.combine(unit_day.day,
                                                                           time(9))))

    # The manager closes last month: three days at 12.35 € (one absence not justified).
    manager = make_login("boss@example.org", role=Role.SERVICE_MANAGER, full_name="Marc Boss")
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go(f"/childhood/staff/activity/{activity.pk}/?month={last_month:%Y-%m}")
    page.click("text=Close and bill this month")
    visitor.check()
    assert "The month is closed and billed." in page.content()
    invoice = Invoice.objects.get()
    number = f"{today.year}-000001"
    assert (invoice.number, invoice.total_cents, invoice.status) == (number, 3705, "issued")
    assert not LedgerEntry.objects.exists()
    page = visitor.go("/childhood/staff/invoices/")
    page.click(f"text={number}")
    visitor.check()
    assert "37.05" in page.content()

    # The family opens its invoices on a phone, in French, and reads the PDF.
    visitor.page.context.clear_cookies()
    visitor.log_in(amina.email, PASSWORD)
    page = visitor.go("/childhood/")
    page.click("text=Mes factures")
    visitor.check()
    assert f"Facture {number}" in page.locator("main").inner_text()
    visitor.screenshot("childhood-invoices")
    # Its lines, at 360 px, stacked with their column's name: nothing scrolls sideways and
    # the amounts are on screen; screen readers still get a table.
    page.click(f"text=Les lignes de la facture {number}")
    region = page.locator(".invoice-lines")
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    amount = page.locator(".invoice-lines tbody tr").first.locator("td").last
    box = amount.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert amount.text_content().replace("\u202f", " ").replace("\u00a0", " ") == "12,35 €"
    assert amount.evaluate("e => getComputedStyle(e, '::before').content") == '"Montant"'
    assert page.get_by_role("table").get_by_role("columnheader").all_inner_texts() == [
        "Enfant", "Description", "Quantité", "Prix unitaire", "Montant"]
    assert page.get_by_role("table").get_by_role("row").count() == 5  # head, 3 days, total
    visitor.check()
    visitor.screenshot("childhood-invoice-360")
    pdf = visitor.page.request.get(f"{visitor.base_url}/childhood/invoices/{invoice.pk}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = _words(pdf.body())
    assert f"Facture {number}" in text
    for day, state in zip(days, ("présent", "absent, non justifié", "présent"), strict=True):
        assert f"Yanis Benali {day:%d/%m/%Y} Journée — {state} 1 12,35 € 12,35 €" in text, text
    assert "Total 37,05 €" in text and "Reste à payer 37,05 €" in text

    # …and pays it online through the (dummy) bank.
    page.click(f"text=Payer 37,05 € en ligne (facture {number})")
    visitor.check()
    page.click("button[value=pay]")
    visitor.check()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_cents) == ("paid", 3705)
    assert sorted(LedgerEntry.objects.values_list("kind", "amount_cents")) == [
        ("charge", -3705), ("top_up", 3705)]
    assert page.url.endswith("/childhood/invoices/")  # the bank sends the family back there
    assert "payé" in page.content()
    visitor.screenshot("childhood-invoice-paid")
