"""On the demo territory, at 360 px: a nursery invoice with its contract's lines and the
credit-note form, an invoice with a partial credit note and an absence credited after the
closing, an ended contract's reconciliation, a term of swimming lessons billed at enrolment,
and a canteen meal given back into the family's account — each page checked by axe-core, none wider
than the phone, and the nursery invoice's PDF with its lines."""

import io

import pytest
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from civicard.childhood import operations
from civicard.childhood.models import (
    Activity,
    ChildEnrolment,
    ContractLine,
    ContractLineKind,
    CreditNote,
    Invoice,
    UnitDay,
)
from civicard.childhood.queries import family_language
from civicard.core import clock
from civicard.core.demo import DEMO_PASSWORD
from civicard.people import demo as people_demo
from civicard.people.models import Person, User
from civicard.wallets import operations as wallets


@pytest.fixture
def demo(settings, monkeypatch):
    from django.core.management import call_command

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_billing_pages_of_the_demo_on_a_phone(visitor, demo):
    manager = "manager@demo.civicard.test"
    visitor.log_in(manager, DEMO_PASSWORD)
    nursery = (Invoice.objects.filter(statement__period__activity__kind="nursery",
                                      statement__contract_lines__kind="extra")
               .order_by("-statement__period__month", "pk").first())
    page = visitor.go(f"/childhood/staff/invoices/{nursery.pk}/")
    text = page.inner_text("main")
    language = User.objects.get(email=manager).person.language or "en"
    with translation.override(language):  # the manager reads the pages in their language
        monthly, lines, billed = (str(ContractLineKind.MONTHLY.label), gettext("Lines to credit"),
                                  gettext(
            "Hours billed by the month: %(billed)s. Hours due for the %(weeks)s weeks of "
            "care of the %(ran)s whole weeks it ran: %(due)s.").split("%(")[0].strip())
    assert monthly in text and lines in text
    assert overflow(page) == 0
    visitor.screenshot("childhood-invoice-nursery")
    # The day's head counts on a school day, and the invoices' list, fit the phone.
    school_day = (UnitDay.objects.filter(unit__activity__kind="canteen",
                                        day__lt=clock.today())
                  .latest("day").day)
    for path in (f"/childhood/staff/?day={school_day:%Y-%m-%d}", "/childhood/staff/invoices/"):
        assert overflow(visitor.go(path)) == 0, path
    pdf = visitor.page.request.get(f"{visitor.base_url}/childhood/staff/invoices/"
                                   f"{nursery.pk}.pdf")
    words = " ".join("\n".join(p.extract_text() for p in PdfReader(
        io.BytesIO(pdf.body())).pages).split())
    with translation.override(family_language(nursery.household) or "en"):
        assert str(ContractLineKind.MONTHLY.label) in words

    centre = Invoice.objects.get(statement__period__activity__kind="leisure_centre")
    page = visitor.go(f"/childhood/staff/invoices/{centre.pk}/")
    late = centre.credit_notes.get(reason_code="absence")
    with translation.override(language):  # the rule's reason, in the manager's language
        reason = late.reason_text
    assert "Sortie annulée par le centre" in page.inner_text("main")
    assert reason in page.inner_text("main")
    assert overflow(page) == 0
    visitor.screenshot("childhood-invoice-credited")

    balance = ContractLine.objects.select_related("contract").get(kind="balance")
    page = visitor.go(f"/childhood/staff/enrolment/{balance.contract.enrolment_id}/")
    assert billed in page.inner_text("main")
    assert overflow(page) == 0
    visitor.screenshot("childhood-contract-end")

    # Amina enrols Yanis in the swimming lessons (a place freed for him), paid ahead.
    lessons = Activity.objects.get(kind="lessons", billing_mode="wallet")
    Activity.objects.filter(pk=lessons.pk).update(places=None)
    amina = User.objects.get(email="resident@demo.civicard.test")
    yanis = Person.objects.get(full_name="Yanis Haddad")
    agent = User.objects.get(email="agent@demo.civicard.test")
    household = ChildEnrolment.objects.filter(child=yanis).first().household
    account = wallets.open_account(household=household,
                                   service=lessons.service, at=clock.now())
    wallets.top_up(account=account, amount_cents=200_00, means="cash", reason="top-up",
                   idempotency_key="browser:lessons", actor=agent, at=clock.now())
    enrolment = operations.enrol_child(activity=Activity.objects.get(pk=lessons.pk),
                                       child=yanis, actor=amina, at=clock.now())
    visitor.page.context.clear_cookies()
    visitor.log_in(amina.email, DEMO_PASSWORD)
    page = visitor.go(f"/childhood/enrolment/{enrolment.pk}/")
    term = enrolment.term_charge  # written in Amina's language
    assert f"{term.sessions} " in page.inner_text("main") and term.entry_id is not None
    assert overflow(page) == 0
    visitor.screenshot("childhood-term")

    # Yanis's piano term at the music school, billed by invoice when he got his place.
    piano = Invoice.objects.get(term__isnull=False)
    page = visitor.go(f"/childhood/enrolment/{piano.term.enrolment_id}/")
    assert piano.number in page.inner_text("main") and overflow(page) == 0
    page = visitor.go("/childhood/invoices/")
    assert piano.number in page.inner_text("main") and overflow(page) == 0
    page.locator(f"text={piano.number}").first.scroll_into_view_if_needed()
    visitor.screenshot("childhood-term-invoice")

    # Yanis's canteen meal, justified after last month was closed, is back in her account.
    meal = CreditNote.objects.get(statement__period__activity__kind="canteen")
    page = visitor.go("/me/services/")
    assert meal.number in page.inner_text("main") and overflow(page) == 0
    page.locator(f"text={meal.number}").first.scroll_into_view_if_needed()
    visitor.screenshot("childhood-absence-refund")
