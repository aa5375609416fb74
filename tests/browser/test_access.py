# ruff: noqa: F811 - pytest fixtures imported from tests/access/conftest.py
from datetime import date

from civicard.access.models import Decision, Terminal
from civicard.access.terminal import Simulator, http_transport
from civicard.core.permissions import Role
from tests.access.conftest import (  # noqa: F401 - fixtures shared with tests/access
    UID,
    enrol,
    fund,
    holder,
    make_checkpoint,
    make_service,
    make_terminal,
    manager,
    pool_service,
)
from tests.conftest import PASSWORD


def test_manager_registers_a_terminal_and_sees_its_scan_in_the_live_log(
        visitor, settings, make_login, pool_service, make_checkpoint, holder):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    checkpoint = make_checkpoint(pool_service, name="Entrance turnstile", charge_use="entry")
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 2000)
    manager = make_login("boss@example.org", role=Role.SERVICE_MANAGER, full_name="Marc Boss")
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go("/")
    page.click("text=Access and terminals")
    visitor.check()
    visitor.screenshot("access-manage")
    page.click("text=Register a terminal")
    visitor.check()
    page.select_option("select[name=checkpoint]", str(checkpoint.pk))
    page.fill("input[name=name]", "Pool turnstile 1")
    page.select_option("select[name=language]", "en")
    visitor.screenshot("access-register")
    page.click("main button[type=submit]")
    visitor.check()
    token = page.locator("#terminal-token").inner_text().strip()
    assert Terminal.objects.get(name="Pool turnstile 1").token_hint == token[-4:]
    visitor.screenshot("access-token")
    page.click("text=See the live log")
    visitor.check()
    assert "Amina Benali" not in page.content()

    sim = Simulator(transport=http_transport(visitor.base_url), token=token)
    answer = sim.scan(UID)
    assert answer["decision"] == "allow", answer
    assert Decision.objects.count() == 1

    page.locator("#log-rows td", has_text="Amina Benali").wait_for(timeout=12_000)
    assert "Pool turnstile 1" in page.locator("#log-rows").inner_text()
    visitor.check()
    visitor.screenshot("access-log")
    page = visitor.go("/access/uses/")
    visitor.screenshot("access-uses")


def test_resident_sees_where_their_card_was_used(visitor, make_login, holder, make_checkpoint,
                                                 make_service, make_terminal, settings):
    from civicard.access.models import Quota, QuotaCounter
    waste = make_service("waste")
    Quota.objects.create(service=waste, free_per_year=24, max_per_year=34)
    enrol(waste, household=holder.household)
    QuotaCounter.objects.create(quota=Quota.objects.get(), household=holder.household,
                                year=date.today().year, used=7)
    terminal, token = make_terminal(make_checkpoint(waste, name="Gate",
                                                    facility_name="Waste centre"))
    Simulator(transport=http_transport(visitor.base_url), token=token).scan(UID)
    user = make_login("amina@example.org")
    user.person.delete()
    holder.user = user
    holder.language = "en"
    holder.save()
    visitor.log_in(user.email, PASSWORD)
    page = visitor.go("/me/access/")
    assert "16 free visits left this year" in page.content()
    assert "Waste centre" in page.content()
    visitor.screenshot("access-mine")
