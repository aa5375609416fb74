"""A nursery manager writes a contract on a phone, the family sees it with the month's amount,
sends a vaccination record and justifies an absence with a certificate, staff accept it; the
set-up and kitchen pages pass axe-core too."""

from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from civicard.childhood import operations
from civicard.childhood.models import (
    Absence,
    Activity,
    Document,
    NurseryContract,
    Unit,
    UnitPrice,
)
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.wallets.models import PaymentMode, Service, ShortageRule
from tests.conftest import PASSWORD


def _nursery(territory, today: date):
    service = Service.objects.create(territory=territory, slug="nursery", name="Nursery",
                                     payment_mode=PaymentMode.PREPAID_WALLET,
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE)
    activity = Activity.objects.create(
        territory=territory, service=service, name="Les Petits Pas", kind="nursery",
        season_starts_on=today.replace(day=1) - timedelta(days=60),
        season_ends_on=today + timedelta(days=200), places=24)
    unit = Unit.objects.create(activity=activity, name="Hour of care", capacity=24,
                               pricing="per_hour")
    UnitPrice.objects.create(unit=unit, amount_cents=300, valid_from=activity.season_starts_on)
    return activity


def test_a_contract_from_the_manager_to_the_family(visitor, settings, territory, make_login,
                                                   tmp_path):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    activity = _nursery(territory, today)
    amina = make_login("amina@example.org", full_name="Amina Benali")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=amina.person, is_guardian=True)
    ines = Person.objects.create(full_name="Inès Benali", birth_date=today - timedelta(days=420))
    Membership.objects.create(household=household, person=ines)
    enrolment = operations.enrol_child(activity=activity, child=ines, actor=amina,
                                       at=timezone.now())

    # The manager writes a full-time contract from the first day of this month.
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER,
                         full_name="Maud Manager")
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go(f"/childhood/staff/activity/{activity.pk}/")
    page.click(f"main a:has-text('{ines.full_name}')")
    visitor.check()
    page.click("text=New contract")
    visitor.check()
    page.fill("#id_starts_on", today.replace(day=1).isoformat())
    page.fill("#id_ends_on", activity.season_ends_on.isoformat())
    page.fill("#id_closure_weeks", "3")
    page.fill("#id_monthly_resources", "3000")
    for day in range(5):
        page.fill(f"#id_from_{day}", "08:30")
        page.fill(f"#id_to_{day}", "17:30")
    visitor.screenshot("childhood-contract-form")
    page.click("form.contract-form button[type=submit]")
    visitor.check()
    assert "The contract is saved." in page.content()
    contract = NurseryContract.objects.get()
    assert contract.days.count() == 5 and contract.monthly_resources_cents == 300_000

    # The family sees the contract and the month's amount, sends a document and an absence.
    visitor.page.context.clear_cookies()
    visitor.log_in(amina.email, PASSWORD)
    page = visitor.go("/childhood/")
    assert "Contract: " in page.content()
    page.click("text=Contract, documents, absences")
    visitor.check()
    assert "Monday: 08:30–17:30" in page.content() and "45 h" in page.content()
    record = Path(tmp_path) / "carnet.pdf"
    record.write_bytes(b"%PDF-1.4\n%test\n")
    page.select_option("form:has(input[value=document]) select[name=kind]", "vaccination")
    page.set_input_files("form:has(input[value=document]) input[type=file]", str(record))
    page.click("text=Send the document")
    visitor.check()
    assert Document.objects.get().kind == "vaccination"
    text = Path(tmp_path) / "notes.pdf"
    text.write_bytes(b"just text")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + timedelta(days=1)).isoformat())
    page.set_input_files("form:has(input[value=absence]) input[type=file]", str(text))
    page.click("form:has(input[value=absence]) button[type=submit]")
    visitor.check()
    assert "Send a PDF file or a photo (JPEG, PNG or WebP)." in page.content()
    page.set_input_files("form:has(input[value=absence]) input[type=file]", str(record))
    page.click("form:has(input[value=absence]) button[type=submit]")
    visitor.check()
    assert Absence.objects.get().status == "pending"
    visitor.screenshot("childhood-contract")

    # Staff accept the absence; the set-up and kitchen pages are accessible too.
    visitor.page.context.clear_cookies()
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go(f"/childhood/staff/enrolment/{enrolment.pk}/")
    page.click("button[value=accept]")
    visitor.check()
    assert Absence.objects.get().status == "accepted"
    visitor.screenshot("childhood-contract-staff")
    visitor.go(f"/childhood/staff/activity/{activity.pk}/setup/")
    visitor.screenshot("childhood-setup")
    visitor.go("/childhood/staff/kitchen/")
