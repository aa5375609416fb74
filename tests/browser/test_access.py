# ruff: noqa: F811 - pytest fixtures imported from tests/access/conftest.py

from civicard.access.models import Checkpoint, Decision, Terminal
from civicard.core import clock
from civicard.core.permissions import Role
from civicard.simulator.terminal import Simulator, http_transport
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
                                year=clock.today().year, used=7)
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


def test_manager_creates_a_door_group_with_a_night_window_and_a_staff_member(
        visitor, settings, make_login, territory, make_checkpoint, make_terminal):
    from civicard.access.models import DoorGroup
    from civicard.people.models import Person
    from civicard.territory.models import Commune

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    north = Commune.objects.get(name="Nordville")
    door = make_checkpoint(name="Service door", kind="door", facility_name="Jules Ferry school")
    door.facility.commune = north
    door.facility.save()
    Person.objects.create(full_name="Nadia Ménage")
    manager = make_login("north@example.org", role=Role.SERVICE_MANAGER, commune=north,
                         full_name="Marc Nord")
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go("/access/")
    visitor.screenshot("access-manage-editing")
    page.click("text=Add a door group")
    visitor.check()
    page.fill("input[name=name]", "Night cleaners")
    page.check("text=Jules Ferry school")
    visitor.screenshot("access-door-group-new")
    page.click("main button[type=submit]")
    visitor.check()
    group = DoorGroup.objects.get(name="Night cleaners")
    assert [f.name for f in group.facilities.all()] == ["Jules Ferry school"]

    page.select_option("select[name=weekday]", "4")
    page.fill("input[name=starts]", "22:00")
    page.fill("input[name=ends]", "02:00")
    page.click("text=Add this time")
    visitor.check()
    assert "Friday 22:00 until Saturday 02:00" in page.locator("#times + ul").inner_text()

    page.fill("input[name=q]", "nadia")
    page.click("button:has-text('Search')")
    visitor.check()
    page.click("#found button:has-text('Add')")
    visitor.check()
    assert "Nadia Ménage can now open the group's doors." in page.content()
    assert list(group.members.values_list("full_name", flat=True)) == ["Nadia Ménage"]
    assert [(w.weekday, f"{w.starts:%H:%M}", f"{w.ends:%H:%M}") for w in group.windows.all()] \
        == [(4, "22:00", "02:00")]
    visitor.screenshot("access-door-group")

    page.click("text=Delete this group")
    visitor.check()
    visitor.screenshot("access-door-group-delete")
    page.click("main button:has-text('Delete this group')")
    visitor.check()
    assert "The group Night cleaners is deleted." in page.content()
    assert not DoorGroup.objects.filter(name="Night cleaners").exists()

    page = visitor.go(f"/access/places/{door.facility_id}/checkpoints/new/")
    page.fill("input[name=name]", "Back gate")
    page.select_option("select[name=kind]", "gate")
    page.fill("input[name=opening_hours]", "Lu-Ve 08:00-18:00")
    page.click("main button[type=submit]")
    visitor.check()
    assert "cannot be read from" in page.locator("#id_opening_hours_error").inner_text()
    visitor.screenshot("access-checkpoint-error")

    page.fill("input[name=opening_hours]", "Mo-Fr 08:00-18:00")
    page.click("main button[type=submit]")
    visitor.check()
    gate = Checkpoint.objects.get(name="Back gate")
    page = visitor.go(f"/access/checkpoints/{gate.pk}/")
    page.click("text=Delete this checkpoint")
    visitor.check()
    visitor.screenshot("access-checkpoint-delete")
    page.click("main button:has-text('Delete this checkpoint')")
    visitor.check()
    assert "Back gate is deleted." in page.content()
    assert not Checkpoint.objects.filter(name="Back gate").exists()

    make_terminal(door)
    page = visitor.go(f"/access/checkpoints/{door.pk}/delete/")
    page.click("main button:has-text('Delete this checkpoint')")
    visitor.check()
    assert "Service door has terminals or entries in the log" in page.content()
    assert Checkpoint.objects.filter(pk=door.pk).exists()
    visitor.screenshot("access-checkpoint-delete-refused")
