"""Lessons billed by the term: the whole term charged once when the child gets a place (at
enrolment, or when promoted from the waiting list), by the household's bracket, through the
wallet; given back when the child leaves before the first session."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from civicard.childhood import operations
from civicard.childhood.models import TermCharge, UnitDay, UnitPrice
from civicard.childhood.queries import check_billing
from civicard.core.errors import DomainError
from civicard.core.permissions import Role
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
