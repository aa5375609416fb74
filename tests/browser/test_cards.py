"""Resident: My card (the QR changes after 30 s, clock injected), top-up through the dummy
bank, balance seen. Counter agent: blocks a card and issues a replacement."""

import time

import pytest

from civicard.cards import operations as card_ops
from civicard.cards.models import Card
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.wallets import operations
from civicard.wallets.models import Service, ShortageRule
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def family(territory, make_login):
    user = make_login("amina@example.org", full_name="Amina Benali")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=user.person, is_guardian=True)
    service = Service.objects.create(territory=territory, slug="canteen", name="School canteen",
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE,
                                     floor_cents=-3000)
    from civicard.core import clock
    account = operations.open_account(household=household, service=service, at=clock.now())
    return user, account


def test_resident_sees_the_qr_change_and_tops_up_through_the_dummy_bank(visitor, family):
    user, account = family
    visitor.log_in(user.email, PASSWORD)
    page = visitor.go("/me/card/")
    page.click("text=Get my card on this phone")
    visitor.check()
    start = int(time.time()) // 30 * 30 + 3
    page = visitor.go(f"/me/card/?at={start}")
    first = page.get_attribute("#qr-box", "data-payload")
    card = Card.objects.get(person=user.person)
    assert first.startswith(f"CC1.{card.number}.")
    assert page.locator("#qr-box svg").count() == 1
    visitor.screenshot("cards-my-card")
    page.evaluate("window.civicardCard.advance(30)")
    second = page.get_attribute("#qr-box", "data-payload")
    assert second != first and second.startswith(f"CC1.{card.number}.")
    # The phone computes the same code as the server would check.
    from civicard.cards import codes
    assert second == codes.qr_payload(card.number, card.secret, start + 30)

    # Offline: the service worker serves the cached card page; the phone computes the code.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.goto(visitor.base_url + "/me/card/")
    assert page.locator("#qr-box svg").count() == 1
    offline_payload = page.get_attribute("#qr-box", "data-payload")
    assert offline_payload.startswith(f"CC1.{card.number}.")
    page.context.set_offline(False)

    page = visitor.go("/me/services/")
    page.click("text=Top up")
    visitor.check()
    page.fill("input[name=amount]", "25")
    visitor.screenshot("wallets-top-up")
    page.click("button:has-text('Pay online')")
    visitor.check()
    visitor.screenshot("wallets-dummy-bank")
    page.click("button:has-text('Pay')")
    visitor.check()
    assert "25.00" in page.locator("main").inner_text()
    page = visitor.go("/me/services/")
    assert "Balance: 25.00" in page.locator(f"[data-account='{account.pk}']").inner_text()
    visitor.screenshot("wallets-my-services")


def test_counter_agent_blocks_a_card_and_issues_a_replacement(visitor, family, make_login):
    user, _account = family
    agent = make_login("agent@example.org", role=Role.COUNTER_AGENT, full_name="Sophie Lambert")
    from civicard.core import clock
    card = card_ops.issue_card(person=user.person, kind="physical", uid="04A1B2C3D4",
                               actor=agent, at=clock.now())
    visitor.log_in(agent.email, PASSWORD)
    page = visitor.go("/counter/cards/")
    page.fill("input[name=q]", "Amina")
    page.click("main button[type=submit]")
    visitor.check()
    assert page.locator("h1").inner_text() == "Amina Benali"
    page.select_option(f"#block-reason-{card.pk}", "lost")
    page.click(f"#card-{card.pk} button:has-text('Block this card')")
    visitor.check()
    card.refresh_from_db()
    assert card.status == "blocked"
    page.click(f"#card-{card.pk} summary:has-text('Replace this card')")
    page.fill(f"#replace-uid-{card.pk}", "04A1B2C3FF")
    page.click(f"#card-{card.pk} button:has-text('Issue the new card')")
    visitor.check()
    new = Card.objects.get(replaces=card)
    assert new.status == "active" and new.uid_hint == "C3FF"
    assert "replaces the old one" in page.locator(".messages").inner_text()
    visitor.screenshot("cards-counter-person")
    page = visitor.go(f"/counter/households/{_account.household_id}/wallets/")
    visitor.screenshot("wallets-counter")


def test_manager_and_cash_report_pages_are_accessible(visitor, family, make_login):
    user, account = family
    agent = make_login("agent2@example.org", role=Role.COUNTER_AGENT)
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    from civicard.core import clock
    operations.top_up(account=account, amount_cents=1500, means="cash", reason="desk",
                      idempotency_key="b1", actor=agent, at=clock.now())
    operations.charge(account=account, amount_cents=4000, reason="meals",
                      idempotency_key="b2", actor=None, at=clock.now())
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go(f"/manage/services/{account.service_id}/")
    assert "Accounts below zero" in page.locator("main").inner_text()
    visitor.screenshot("wallets-manage-service")
    page.click("text=Log out")
    visitor.log_in(agent.email, PASSWORD)
    page = visitor.go("/counter/cash-report/")
    assert "15.00" in page.locator("table").inner_text()
    visitor.screenshot("wallets-cash-report")
    page = visitor.go(f"/counter/households/{account.household_id}/wallets/")
    page.click(f"#account-{account.pk} summary:has-text('Top up')")
    page.fill(f"#f{account.pk}-amount", "-3")
    page.click(f"#account-{account.pk} button:has-text('Record the top-up')")
    visitor.check()
    assert "Enter an amount" in page.locator(f"#account-{account.pk}").inner_text()


def test_counter_agent_pages_through_a_common_name(visitor, territory, make_login):
    for n in range(35):
        Person.objects.create(full_name=f"Yasmine Benali {n:02}")
    agent = make_login("agent@example.org", role=Role.COUNTER_AGENT, full_name="Sophie Lambert")
    visitor.log_in(agent.email, PASSWORD)
    page = visitor.go("/counter/cards/")
    page.fill("input[name=q]", "benali")
    page.click("main button[type=submit]")
    visitor.check()
    assert page.locator("main h2").inner_text() == "Results 1 to 30 of 35"
    visitor.screenshot("cards-counter-search")
    page.click("main a:has-text('Next page')")
    visitor.check()
    assert page.locator("main h2").inner_text() == "Results 31 to 35 of 35"
    assert page.locator("main ol.card-list li").count() == 5
    assert page.locator("main ol.card-list").get_attribute("start") == "31"
