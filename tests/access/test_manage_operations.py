"""Writes of the manager pages: rules, atomicity, audit, commune scope, allow-list versions."""

import json
from datetime import date, time

import pytest

from civicard.access import setup
from civicard.access.exceptions import (
    AlreadyMember,
    ChargeWithoutService,
    CheckpointNameTaken,
    CountryUnknown,
    NameEmpty,
    NoPlaces,
    NotMember,
    OpeningHoursInvalid,
    PlaceNameTaken,
    QuotaExists,
    QuotaMaxBelowFree,
    TariffUnknown,
    WindowExists,
)
from civicard.access.models import (
    AccessChange,
    Checkpoint,
    DoorGroup,
    Facility,
    Quota,
    TimeWindow,
)
from civicard.core import clock
from civicard.core.errors import PermissionRefused
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.territory.models import Commune
from civicard.wallets.models import PaymentMode, Service, Tariff

from .conftest import AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(territory):
    return Commune.objects.get(name="Nordville")


@pytest.fixture
def south(territory):
    return Commune.objects.get(name="Sudville")


@pytest.fixture
def north_manager(make_login, north):
    return make_login("north@example.org", role=Role.SERVICE_MANAGER, commune=north)


@pytest.fixture
def hall(territory, north, manager):
    return setup.save_facility(territory=territory, name="Sports hall", kind="sports",
                               commune=north, actor=manager, at=AT)


def _checkpoint(facility, actor, **changes):
    fields = {"name": "Main door", "kind": "door", "service": None, "opening_hours": "24/7",
              "country": "FR", "charge_use": "", "passback_seconds": None, **changes}
    return setup.save_checkpoint(facility=facility, actor=actor, at=AT, **fields)


def _group(territory, actor, **changes):
    fields = {"name": "Caretakers", "out_of_hours": True, "facilities": [], "checkpoints": [],
              **changes}
    return setup.save_door_group(territory=territory, actor=actor, at=AT, **fields)


# Places and checkpoints -------------------------------------------------------------------------

def test_a_place_is_created_changed_and_audited(territory, south, manager, hall):
    setup.save_facility(facility=hall, territory=territory, name="  Salle   Omnisports ",
                        kind="sports", commune=south, actor=manager, at=AT)
    hall.refresh_from_db()
    assert (hall.name, hall.commune) == ("Salle Omnisports", south)
    assert list(AuditLogEntry.objects.filter(object_id=str(hall.pk)).order_by("pk")
                .values_list("action", "actor")) == [("facility.created", manager.pk),
                                                     ("facility.changed", manager.pk)]


@pytest.mark.parametrize(("name", "kind", "error", "field"), [
    ("   ", "sports", NameEmpty, "name"), ("Sports hall", "sports", PlaceNameTaken, "name"),
    ("Other", "castle", setup.InvalidInput, "kind")])
def test_a_bad_place_writes_nothing(territory, north, manager, hall, name, kind, error, field):
    audits = AuditLogEntry.objects.count()
    with pytest.raises(error) as raised:
        setup.save_facility(territory=territory, name=name, kind=kind, commune=north,
                            actor=manager, at=AT)
    assert list(raised.value.fields) == [field]
    assert Facility.objects.count() == 1 and AuditLogEntry.objects.count() == audits


@pytest.mark.parametrize(("commune", "allowed"), [("north", True), ("south", False),
                                                   (None, False)])
def test_a_commune_manager_writes_only_in_their_commune(request, territory, north_manager,
                                                        commune, allowed):
    target = request.getfixturevalue(commune) if commune else None
    if allowed:
        setup.save_facility(territory=territory, name="Hall", kind="sports",
                            commune=target, actor=north_manager, at=AT)
    else:
        with pytest.raises(PermissionRefused):
            setup.save_facility(territory=territory, name="Hall", kind="sports",
                                commune=target, actor=north_manager, at=AT)
    assert Facility.objects.filter(name="Hall").exists() is allowed


def test_a_commune_manager_cannot_move_a_place_out_of_another_commune(
        territory, north, south, manager, north_manager):
    hall = setup.save_facility(territory=territory, name="Hall", kind="sports",
                               commune=south, actor=manager, at=AT)
    with pytest.raises(PermissionRefused):
        setup.save_facility(facility=hall, territory=territory, name="Hall",
                            kind="sports", commune=north, actor=north_manager, at=AT)
    hall.refresh_from_db()
    assert hall.commune == south


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"opening_hours": "Mo-Fr 25:00-26:00"}, OpeningHoursInvalid, "opening_hours"),
    ({"opening_hours": ""}, OpeningHoursInvalid, "opening_hours"),
    ({"country": "XX"}, CountryUnknown, "country"),
    ({"charge_use": "entry"}, ChargeWithoutService, "charge_use"),
    ({"name": " "}, NameEmpty, "name"),
    ({"kind": "window"}, setup.InvalidInput, "kind"),
    ({"passback_seconds": 0}, setup.InvalidInput, "passback_seconds")])
def test_a_bad_checkpoint_writes_nothing(hall, manager, changes, error, field):
    changes_before = AccessChange.objects.count()
    with pytest.raises(error) as raised:
        _checkpoint(hall, manager, **changes)
    assert list(raised.value.fields) == [field]
    assert not Checkpoint.objects.exists()
    assert AccessChange.objects.count() == changes_before


def test_a_charged_checkpoint_needs_a_tariff_of_its_service(territory, hall, manager):
    pool = Service.objects.create(territory=territory, slug="pool", name="Pool",
                                  payment_mode=PaymentMode.PREPAID_WALLET)
    with pytest.raises(TariffUnknown) as raised:
        _checkpoint(hall, manager, service=pool, charge_use="entry")
    assert raised.value.fields == {"charge_use": [
        "The service Pool has no tariff \"entry\". Add it to the service's tariffs first, or "
        "choose another one."]}
    Tariff.objects.create(service=pool, use="entry", amount_cents=300,
                          valid_from=date(2026, 1, 1), created_at=AT)
    checkpoint = _checkpoint(hall, manager, service=pool, charge_use="entry",
                             opening_hours="Mo-Fr 09:00-18:00;  PH off", country="ch",
                             passback_seconds=90)
    checkpoint.refresh_from_db()
    assert (checkpoint.charge_use, checkpoint.opening_hours, checkpoint.country,
            checkpoint.passback_seconds) == ("entry", "Mo-Fr 09:00-18:00; PH off", "CH", 90)


def test_checkpoint_names_are_unique_in_their_place(hall, manager):
    _checkpoint(hall, manager)
    with pytest.raises(CheckpointNameTaken):
        _checkpoint(hall, manager)
    assert Checkpoint.objects.count() == 1


def test_a_commune_manager_cannot_give_a_checkpoint_another_communes_service(
        territory, south, hall, north_manager):
    service = Service.objects.create(territory=territory, commune=south, slug="s", name="S",
                                     payment_mode=PaymentMode.FREE)
    with pytest.raises(PermissionRefused):
        _checkpoint(hall, north_manager, service=service)
    territory_service = Service.objects.create(territory=territory, slug="t", name="T",
                                               payment_mode=PaymentMode.FREE)
    assert _checkpoint(hall, north_manager, service=territory_service).service == \
        territory_service


# Door groups ------------------------------------------------------------------------------------

def test_a_door_group_needs_a_place_and_its_places_in_the_managers_communes(
        territory, south, manager, north_manager, hall):
    with pytest.raises(NoPlaces):
        _group(territory, manager)
    other = setup.save_facility(territory=territory, name="South hall", kind="sports",
                                commune=south, actor=manager, at=AT)
    with pytest.raises(PermissionRefused):
        _group(territory, north_manager, facilities=[hall, other])
    group = _group(territory, north_manager, facilities=[hall])
    with pytest.raises(PermissionRefused):
        _group(territory, north_manager, group=group, facilities=[other])
    cross = _group(territory, manager, name="Everywhere", facilities=[hall, other])
    with pytest.raises(PermissionRefused):  # it opens a place of another commune too
        setup.add_window(group=cross, weekday=0, starts=time(6), ends=time(8),
                         actor=north_manager, at=AT)
    assert list(DoorGroup.objects.values_list("name", flat=True)) == ["Caretakers",
                                                                      "Everywhere"]
    assert list(group.facilities.all()) == [hall] and not cross.windows.exists()


def test_windows_are_added_once_and_removed(territory, manager, hall):
    group = _group(territory, manager, facilities=[hall])
    window = setup.add_window(group=group, weekday=4, starts=time(22), ends=time(2),
                              actor=manager, at=AT)
    assert window.past_midnight and window.label() == "Friday 22:00 until Saturday 02:00"
    with pytest.raises(WindowExists):
        setup.add_window(group=group, weekday=4, starts=time(22), ends=time(2),
                         actor=manager, at=AT)
    with pytest.raises(setup.InvalidInput):
        setup.add_window(group=group, weekday=7, starts=time(8), ends=time(9),
                         actor=manager, at=AT)
    setup.remove_window(window=window, actor=manager, at=AT)
    assert not group.windows.exists()
    audits = AuditLogEntry.objects.filter(object_type="access.doorgroup",
                                          object_id=str(group.pk)).order_by("pk")
    friday_night = {"weekday": 4, "starts": "22:00", "ends": "02:00"}
    assert list(audits.values_list("action", "extra")) == [
        ("door_group.created", {"facilities": [hall.pk], "checkpoints": [],
                                "out_of_hours": True}),
        ("door_group.window_added", friday_night),
        ("door_group.window_removed", friday_night)]


def test_members_are_added_and_removed_once(territory, manager, hall, holder):
    group = _group(territory, manager, facilities=[hall])
    setup.add_member(group=group, person=holder, actor=manager, at=AT)
    with pytest.raises(AlreadyMember) as raised:
        setup.add_member(group=group, person=holder, actor=manager, at=AT)
    assert raised.value.text() == "Amina Benali is already in this group."
    setup.remove_member(group=group, person=holder, actor=manager, at=AT)
    with pytest.raises(NotMember):
        setup.remove_member(group=group, person=holder, actor=manager, at=AT)
    assert not group.members.exists()
    assert AuditLogEntry.objects.filter(action__startswith="door_group.member_").count() == 2


# Quotas -----------------------------------------------------------------------------------------

def test_quota_rules(territory, north, manager, north_manager):
    waste = Service.objects.create(territory=territory, commune=north, slug="waste",
                                   name="Waste", payment_mode=PaymentMode.PER_USE)
    with pytest.raises(QuotaMaxBelowFree):
        setup.save_quota(service=waste, free_per_year=24, max_per_year=20,
                         charge_use="visit", actor=manager, at=AT)
    with pytest.raises(TariffUnknown):  # the service charges, so the tariff must exist
        setup.save_quota(service=waste, free_per_year=24, max_per_year=34,
                         charge_use="visit", actor=manager, at=AT)
    Tariff.objects.create(service=waste, use="visit", amount_cents=800,
                          valid_from=date(2026, 1, 1), created_at=AT)
    quota = setup.save_quota(service=waste, free_per_year=24, max_per_year=34,
                             charge_use="visit", actor=north_manager, at=AT)
    with pytest.raises(QuotaExists):
        setup.save_quota(service=waste, free_per_year=1, max_per_year=2,
                         charge_use="visit", actor=manager, at=AT)
    setup.save_quota(quota=quota, service=None, free_per_year=20, max_per_year=30,
                     charge_use="visit", actor=manager, at=AT)
    assert list(Quota.objects.values_list("free_per_year", "max_per_year")) == [(20, 30)]
    territory_wide = Service.objects.create(territory=territory, slug="all", name="All",
                                            payment_mode=PaymentMode.FREE)
    with pytest.raises(PermissionRefused):
        setup.save_quota(service=territory_wide, free_per_year=1, max_per_year=2,
                         charge_use="visit", actor=north_manager, at=AT)
    assert Quota.objects.count() == 1


# Allow-list versions ----------------------------------------------------------------------------

def _allowlist(client, token, since=None):
    url = "/api/terminals/allowlist" + (f"?since={since}" if since is not None else "")
    with clock.frozen(AT):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def staff_door(territory, make_checkpoint, make_terminal, manager, holder):
    """A staff-only door with a terminal, and a door group opening it (nobody in it yet)."""
    checkpoint = make_checkpoint(name="Staff door", kind="door", facility_name="Town hall")
    _terminal, token = make_terminal(checkpoint)
    group = _group(territory, manager, checkpoints=[checkpoint])
    setup.add_window(group=group, weekday=0, starts=time(22), ends=time(6),
                     actor=manager, at=AT)
    return group, token


def test_the_next_delta_adds_and_removes_an_edited_groups_member(client, staff_door, manager,
                                                                 holder):
    group, token = staff_door
    version = _allowlist(client, token)["version"]
    short = holder.physical.uid_hash[:20]
    assert _allowlist(client, token, version)["cards"] == []

    setup.add_member(group=group, person=holder, actor=manager, at=AT)
    delta = _allowlist(client, token, version)
    assert (delta["full"], delta["since"]) == (False, version)
    assert delta["cards"] == [[short, 1]] and delta["remove"] == []
    assert delta["profiles"][1] == {"kind": "staff", "windows": [[0, "22:00", "06:00"]],
                                    "out_of_hours": True}

    setup.remove_member(group=group, person=holder, actor=manager, at=AT)
    delta = _allowlist(client, token, delta["version"])
    assert delta["full"] is False and delta["cards"] == [] and delta["remove"] == [short]


def test_clearing_a_groups_members_removes_their_cards_in_the_next_delta(client, staff_door,
                                                                        manager, holder):
    group, token = staff_door
    setup.add_member(group=group, person=holder, actor=manager, at=AT)
    version = _allowlist(client, token)["version"]
    group.members.clear()
    delta = _allowlist(client, token, version)
    assert delta["full"] is False and delta["remove"] == [holder.physical.uid_hash[:20]]


@pytest.mark.parametrize("change", ["window", "places", "checkpoint", "quota"])
def test_broad_edits_send_terminals_a_full_list(client, staff_door, manager, holder, territory,
                                                 change):
    group, token = staff_door
    setup.add_member(group=group, person=holder, actor=manager, at=AT)
    version = _allowlist(client, token)["version"]
    if change == "window":
        setup.add_window(group=group, weekday=5, starts=time(8), ends=time(12),
                         actor=manager, at=AT)
    elif change == "places":
        setup.save_door_group(group=group, territory=territory, name=group.name,
                              out_of_hours=False, facilities=[],
                              checkpoints=group.checkpoints.all(), actor=manager, at=AT)
    elif change == "checkpoint":
        checkpoint = group.checkpoints.get()
        _checkpoint(checkpoint.facility, manager, checkpoint=checkpoint, name=checkpoint.name,
                    opening_hours="Mo-Fr 08:00-18:00")
    else:
        service = Service.objects.create(territory=territory, slug="w", name="W",
                                         payment_mode=PaymentMode.FREE)
        setup.save_quota(service=service, free_per_year=1, max_per_year=2,
                         charge_use="visit", actor=manager, at=AT)
    listing = _allowlist(client, token, version)
    assert listing["full"] is True and listing["version"] > version
    assert listing["cards"] == [[holder.physical.uid_hash[:20], 1]]


def test_changing_a_quotas_figures_keeps_deltas(client, staff_door, manager, territory):
    _group, token = staff_door
    service = Service.objects.create(territory=territory, slug="w", name="W",
                                     payment_mode=PaymentMode.FREE)
    quota = setup.save_quota(service=service, free_per_year=1, max_per_year=2,
                             charge_use="visit", actor=manager, at=AT)
    version = _allowlist(client, token)["version"]
    setup.save_quota(quota=quota, service=None, free_per_year=3, max_per_year=4,
                     charge_use="visit", actor=manager, at=AT)
    assert _allowlist(client, token, version)["full"] is False



def test_deleting_a_group_sends_terminals_a_list_without_its_staff(client, staff_door, manager,
                                                                   holder):
    group, token = staff_door
    setup.add_member(group=group, person=holder, actor=manager, at=AT)
    listing = _allowlist(client, token)
    assert listing["cards"] == [[holder.physical.uid_hash[:20], 1]]
    setup.delete_door_group(group=group, actor=manager, at=AT)
    listing = _allowlist(client, token, listing["version"])
    assert (listing["full"], listing["cards"]) == (True, [])
    assert not TimeWindow.objects.filter(group_id=group.pk).exists()
    assert AuditLogEntry.objects.filter(action="door_group.deleted").get().extra == {
        "name": group.name, "members": [holder.pk]}
