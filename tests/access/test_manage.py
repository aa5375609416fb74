"""The manager's editing pages, and who may see and change what (commune scoping)."""

from datetime import time

import pytest
from django.urls import reverse

from civicard.access import terminals
from civicard.access.models import (
    Checkpoint,
    Decision,
    DoorGroup,
    Facility,
    Quota,
    Terminal,
    TimeWindow,
)
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people.models import Household, Person
from civicard.territory.models import Commune
from civicard.wallets.models import PaymentMode, Service

from .conftest import AT

pytestmark = pytest.mark.django_db

ROLES = ["resident", "agent", "manager_a", "manager_b", "manager_all"]


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def users(make_login, territory):
    north, south = Commune.objects.get(name="Nordville"), Commune.objects.get(name="Sudville")
    return {
        "resident": make_login("resident@example.org"),
        "agent": make_login("agent@example.org", role=Role.COUNTER_AGENT),
        "manager_a": make_login("north@example.org", role=Role.SERVICE_MANAGER, commune=north),
        "manager_b": make_login("south@example.org", role=Role.SERVICE_MANAGER, commune=south),
        "manager_all": make_login("all@example.org", role=Role.SERVICE_MANAGER),
    }


@pytest.fixture
def places(territory, users):
    """In each commune: a pool with a turnstile and its terminal, a service with a quota, a
    door group for the pool and one logged decision; an annex and a back door never used.
    Plus a place of the whole territory."""
    made = {}
    for key, commune in (("a", Commune.objects.get(name="Nordville")),
                         ("b", Commune.objects.get(name="Sudville"))):
        service = Service.objects.create(territory=territory, commune=commune, slug=f"pool-{key}",
                                         name=f"Pool service {key.upper()}",
                                         payment_mode=PaymentMode.FREE)
        facility = Facility.objects.create(territory=territory, commune=commune,
                                           name=f"Pool {key.upper()}", kind="pool")
        checkpoint = Checkpoint.objects.create(facility=facility, name="Turnstile",
                                               kind="turnstile", service=service)
        terminal, _ = terminals.register_terminal(
            checkpoint=checkpoint, name=f"Reader {key.upper()}", actor=users["manager_all"],
            at=AT)
        group = DoorGroup.objects.create(territory=territory, name=f"Lifeguards {key.upper()}")
        group.facilities.add(facility)
        window = TimeWindow.objects.create(group=group, weekday=0, starts=time(6),
                                           ends=time(8))
        quota = Quota.objects.create(service=service, free_per_year=10, max_per_year=20)
        Decision.objects.create(terminal=terminal, checkpoint=checkpoint, idempotency_key="k",
                                at=AT, recorded_at=AT, outcome="deny", reason_code="no_right")
        made[key] = {"service": service, "facility": facility, "checkpoint": checkpoint,
                     "terminal": terminal, "group": group, "window": window, "quota": quota,
                     "annex": Facility.objects.create(territory=territory, commune=commune,
                                                      name=f"Annex {key.upper()}", kind="other"),
                     "back_door": Checkpoint.objects.create(facility=facility, name="Back door",
                                                            kind="door")}
    made["territory_wide"] = Facility.objects.create(territory=territory, name="Intercommunal hall",
                                                     kind="sports")
    made["staff"] = Person.objects.create(full_name="Sam Lifeguard")
    made["a"]["group"].members.add(made["staff"])
    return made


def _client(client, users, role):
    client.force_login(users[role])
    return client


# Pages ------------------------------------------------------------------------------------------

EVERY_MANAGER = {"resident": 403, "agent": 403, "manager_a": 200, "manager_b": 200,
                 "manager_all": 200}
OF_COMMUNE_A = {**EVERY_MANAGER, "manager_b": 404}
PAGES = [
    ("access:manage", None, EVERY_MANAGER),
    ("access:facility_new", None, EVERY_MANAGER),
    ("access:facility", "facility", OF_COMMUNE_A),
    ("access:checkpoint_new", "facility", OF_COMMUNE_A),
    ("access:checkpoint", "checkpoint", OF_COMMUNE_A),
    ("access:door_group_new", None, EVERY_MANAGER),
    ("access:door_group", "group", OF_COMMUNE_A),
    ("access:door_group_delete", "group", OF_COMMUNE_A),
    ("access:facility_delete", "annex", OF_COMMUNE_A),
    ("access:checkpoint_delete", "back_door", OF_COMMUNE_A),
    ("access:quota_new", None, EVERY_MANAGER),
    ("access:quota", "quota", OF_COMMUNE_A),
    ("access:quota_delete", "quota", OF_COMMUNE_A),
    ("access:log", None, EVERY_MANAGER),
    ("access:chart", None, EVERY_MANAGER),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "obj", "expected"), PAGES)
def test_pages_permission_matrix(client, users, places, role, name, obj, expected):
    args = [places["a"][obj].pk] if obj else []
    response = _client(client, users, role).get(reverse(name, args=args))
    assert response.status_code == expected[role]


def test_anonymous_is_sent_to_log_in(client, places):
    response = client.get(reverse("access:door_group", args=[places["a"]["group"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


SEES = {"manager_a": {"Pool A"}, "manager_b": {"Pool B"},
        "manager_all": {"Pool A", "Pool B", "Intercommunal hall"}}


@pytest.mark.parametrize("role", ["manager_a", "manager_b", "manager_all"])
def test_each_manager_sees_only_the_places_of_their_communes(client, users, places, role):
    client = _client(client, users, role)
    seen = set(SEES[role])
    hidden = {"Pool A", "Pool B", "Intercommunal hall"} - seen
    manage = client.get(reverse("access:manage")).content.decode()
    log = client.get(reverse("access:log")).content.decode()
    chart = client.get(reverse("access:chart")).content.decode()
    for name in seen:
        assert name in manage and name in chart
    for name in hidden:
        assert name not in manage and name not in log and name not in chart
    readers = {f"Reader {key}" for key in "AB" if f"Pool {key}" in seen}
    groups = {f"Lifeguards {key}" for key in "AB" if f"Pool {key}" in seen}
    services = {f"Pool service {key}" for key in "AB" if f"Pool {key}" in seen}
    for text in readers | groups | services:
        assert text in manage
    for text in ({"Reader A", "Reader B", "Lifeguards A", "Lifeguards B", "Pool service A",
                  "Pool service B"} - readers - groups - services):
        assert text not in manage and text not in log
    assert {row.terminal.name for row in client.get(reverse("access:log")).context["rows"]} \
        == readers


def test_a_door_group_across_communes_is_seen_only_territory_wide(client, users, places):
    places["a"]["group"].facilities.add(places["b"]["facility"])
    for role, status in (("manager_a", 404), ("manager_b", 404), ("manager_all", 200)):
        response = _client(client, users, role).get(
            reverse("access:door_group", args=[places["a"]["group"].pk]))
        assert response.status_code == status, role


# Writes -----------------------------------------------------------------------------------------

def _writes(places):
    """(url name, args, form data, changed?) for each write on commune A's objects."""
    a = places["a"]
    staff, other = places["staff"], Person.objects.create(full_name="Noor Nightguard")
    return [
        ("access:facility", [a["facility"].pk],
         {"name": "Pool A renamed", "kind": "pool", "commune": a["facility"].commune_id},
         lambda: Facility.objects.filter(name="Pool A renamed").exists()),
        ("access:checkpoint_new", [a["facility"].pk],
         {"name": "Side door", "kind": "door", "opening_hours": "24/7", "country": "FR"},
         lambda: Checkpoint.objects.filter(name="Side door").exists()),
        ("access:checkpoint", [a["checkpoint"].pk],
         {"name": "Turnstile", "kind": "turnstile", "service": a["service"].pk,
          "opening_hours": "Mo-Fr 07:00-21:00; PH off", "country": "FR",
          "passback_seconds": "60"},
         lambda: Checkpoint.objects.get(pk=a["checkpoint"].pk).passback_seconds == 60),
        ("access:door_group", [a["group"].pk],
         {"name": "Night lifeguards", "facilities": [a["facility"].pk]},
         lambda: DoorGroup.objects.get(pk=a["group"].pk).name == "Night lifeguards"),
        ("access:window_add", [a["group"].pk], {"weekday": "4", "starts": "22:00",
                                                "ends": "02:00"},
         lambda: a["group"].windows.filter(weekday=4).exists()),
        ("access:window_remove", [a["group"].pk, a["window"].pk], {},
         lambda: not TimeWindow.objects.filter(pk=a["window"].pk).exists()),
        ("access:member_add", [a["group"].pk, other.pk], {},
         lambda: a["group"].members.filter(pk=other.pk).exists()),
        ("access:member_remove", [a["group"].pk, staff.pk], {},
         lambda: not a["group"].members.filter(pk=staff.pk).exists()),
        ("access:quota", [a["quota"].pk],
         {"free_per_year": "12", "max_per_year": "30", "charge_use": "visit"},
         lambda: Quota.objects.get(pk=a["quota"].pk).max_per_year == 30),
        ("access:revoke_terminal", [a["terminal"].pk], {},
         lambda: Terminal.objects.get(pk=a["terminal"].pk).revoked_at is not None),
        ("access:door_group_delete", [a["group"].pk], {},
         lambda: not DoorGroup.objects.filter(pk=a["group"].pk).exists()),
        ("access:facility_delete", [a["annex"].pk], {},
         lambda: not Facility.objects.filter(pk=a["annex"].pk).exists()),
        ("access:checkpoint_delete", [a["back_door"].pk], {},
         lambda: not Checkpoint.objects.filter(pk=a["back_door"].pk).exists()),
        ("access:quota_delete", [a["quota"].pk], {},
         lambda: not Quota.objects.filter(pk=a["quota"].pk).exists()),
    ]


WRITE_STATUS = {"resident": 403, "agent": 403, "manager_a": 302, "manager_b": 404,
                "manager_all": 302}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", range(14))
def test_writes_permission_matrix(client, users, places, role, index):
    name, args, data, changed = _writes(places)[index]
    audits = AuditLogEntry.objects.count()
    response = _client(client, users, role).post(reverse(name, args=args), data)
    assert response.status_code == WRITE_STATUS[role]
    assert changed() is (WRITE_STATUS[role] == 302)
    assert AuditLogEntry.objects.count() == audits + (WRITE_STATUS[role] == 302)


@pytest.mark.parametrize(("role", "commune", "created"), [
    ("manager_a", "Nordville", True), ("manager_a", "Sudville", False),
    ("manager_a", "", False), ("manager_b", "Nordville", False),
    ("manager_all", "", True), ("manager_all", "Sudville", True)])
def test_a_manager_creates_places_only_in_their_communes(client, users, places, role, commune,
                                                         created):
    pk = Commune.objects.get(name=commune).pk if commune else ""
    response = _client(client, users, role).post(reverse("access:facility_new"),
                                                 {"name": "New hall", "kind": "sports",
                                                  "commune": pk})
    assert response.status_code == (302 if created else 200)
    assert Facility.objects.filter(name="New hall").exists() is created
    if not created:
        assert response.context["form"].errors["commune"]


@pytest.mark.parametrize(("role", "places_of", "status"), [
    ("manager_a", "a", 302), ("manager_a", "b", 200), ("manager_b", "a", 200),
    ("manager_all", "ab", 302)])
def test_a_manager_opens_only_their_places_with_a_new_door_group(client, users, places, role,
                                                                 places_of, status):
    data = {"name": "Cleaners", "out_of_hours": "on",
            "facilities": [places[key]["facility"].pk for key in places_of]}
    response = _client(client, users, role).post(reverse("access:door_group_new"), data)
    assert response.status_code == status
    assert DoorGroup.objects.filter(name="Cleaners").exists() is (status == 302)


def test_registering_a_terminal_lists_only_the_managers_checkpoints(client, users, places):
    client = _client(client, users, "manager_b")
    form = client.get(reverse("access:register_terminal")).context["form"]
    assert set(form.fields["checkpoint"].queryset) == {places["b"]["checkpoint"],
                                                       places["b"]["back_door"]}
    response = client.post(reverse("access:register_terminal"),
                           {"checkpoint": places["a"]["checkpoint"].pk, "name": "Evil",
                            "language": "fr"})
    assert response.status_code == 200 and response.context["form"].errors["checkpoint"]
    assert not Terminal.objects.filter(name="Evil").exists()


# Journeys and errors ----------------------------------------------------------------------------

def test_manager_creates_a_checkpoint_and_bad_hours_get_a_clear_error(client, users, places):
    client = _client(client, users, "manager_a")
    url = reverse("access:checkpoint_new", args=[places["a"]["facility"].pk])
    data = {"name": "Side door", "kind": "door", "opening_hours": "Mo-Fx 09:00-18:00",
            "country": "FR", "charge_use": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["opening_hours"] == [
        "These opening hours cannot be read from \"Mo-Fx 09:00-18:00\" on. Write them like "
        "Mo-Fr 09:00-18:00; Sa 09:00-12:00; PH off (days in English, two letters)."]
    assert not Checkpoint.objects.filter(name="Side door").exists()
    response = client.post(url, {**data, "opening_hours": "Mo-Fr 09:00-18:00; PH off"})
    assert response.status_code == 302 and response["Location"] == reverse("access:manage")
    checkpoint = Checkpoint.objects.get(name="Side door")
    assert (checkpoint.opening_hours, checkpoint.country, checkpoint.service) == (
        "Mo-Fr 09:00-18:00; PH off", "FR", None)
    page = client.get(reverse("access:manage")).content.decode()
    assert "Mo-Fr 09:00-18:00; PH off" in page and "Public holidays (PH) of FR apply." in page


def test_the_opening_hours_error_is_in_french(client, users, places):
    Person.objects.filter(user=users["manager_a"]).update(language="fr")
    client = _client(client, users, "manager_a")
    response = client.post(reverse("access:checkpoint_new", args=[places["a"]["facility"].pk]),
                           {"name": "Porte", "kind": "door", "opening_hours": "Lu-Ve 9h",
                            "country": "FR"})
    assert response.context["form"].errors["opening_hours"] == [
        "Ces horaires ne peuvent pas être lus à partir de « Lu-Ve 9h ». Écrivez-les comme "
        "Mo-Fr 09:00-18:00; Sa 09:00-12:00; PH off (jours en anglais, deux lettres)."]


def test_door_group_page_adds_a_window_past_midnight_and_a_member_found_by_card_number(
        client, users, places):
    from civicard.cards import codes
    from civicard.cards.models import Card

    client = _client(client, users, "manager_a")
    group = places["a"]["group"]
    url = reverse("access:door_group", args=[group.pk])
    response = client.post(reverse("access:window_add", args=[group.pk]),
                           {"weekday": "4", "starts": "22:00", "ends": "02:00"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Friday 22:00 until Saturday 02:00" in page and "past midnight" in page
    again = client.post(reverse("access:window_add", args=[group.pk]),
                        {"weekday": "4", "starts": "22:00", "ends": "02:00"})
    assert again.status_code == 200
    assert again.context["window_form"].non_field_errors() == [
        "The group already has this time window."]

    noor = Person.objects.create(full_name="Noor Nightguard")
    card = Card.objects.create(person=noor, kind="physical", number=codes.new_number(),
                               uid_hash=codes.uid_hash("04AABBCCDDEEFF"), uid_hint="EEFF",
                               status="active", issued_at=AT, expires_on=AT.date())
    found = client.get(url, {"q": card.number}).context["found"]
    assert list(found) == [noor]
    by_name = client.get(url, {"q": "nightg"})
    assert list(by_name.context["found"]) == [noor]
    assert f"card ending {card.number[-4:]}" in by_name.content.decode()
    added = client.post(reverse("access:member_add", args=[group.pk, noor.pk]), follow=True)
    assert [str(m) for m in added.context["messages"]] == [
        "Noor Nightguard can now open the group's doors."]
    assert set(group.members.values_list("full_name", flat=True)) == {"Sam Lifeguard",
                                                                     "Noor Nightguard"}
    twice = client.post(reverse("access:member_add", args=[group.pk, noor.pk]), follow=True)
    assert [str(m) for m in twice.context["messages"]] == [
        "Noor Nightguard is already in this group."]


def test_a_door_group_needs_a_place(client, users, places):
    client = _client(client, users, "manager_all")
    response = client.post(reverse("access:door_group_new"), {"name": "Nobody's keys"})
    assert response.status_code == 200
    assert response.context["form"].errors["facilities"] == [
        "Choose at least one building or door that the group opens."]
    assert not DoorGroup.objects.filter(name="Nobody's keys").exists()


def test_new_door_group_leads_to_its_page(client, users, places):
    client = _client(client, users, "manager_a")
    response = client.post(reverse("access:door_group_new"),
                           {"name": "Cleaners", "checkpoints": [places["a"]["checkpoint"].pk]})
    group = DoorGroup.objects.get(name="Cleaners")
    assert response["Location"] == reverse("access:door_group", args=[group.pk])
    assert list(group.checkpoints.all()) == [places["a"]["checkpoint"]]
    assert group.out_of_hours is False


def test_quota_pages_offer_only_services_without_one_and_refuse_max_below_free(
        client, users, places, territory):
    north = Commune.objects.get(name="Nordville")
    Service.objects.create(territory=territory, commune=north, slug="waste", name="Waste",
                           payment_mode=PaymentMode.FREE)
    client = _client(client, users, "manager_a")
    form = client.get(reverse("access:quota_new")).context["form"]
    assert [s.name for s in form.fields["service"].queryset] == ["Waste"]
    waste = Service.objects.get(slug="waste")
    response = client.post(reverse("access:quota_new"), {
        "service": waste.pk, "free_per_year": "24", "max_per_year": "10",
        "charge_use": "visit"})
    assert response.context["form"].errors["max_per_year"] == [
        "The most visits per year cannot be lower than the free visits."]
    response = client.post(reverse("access:quota_new"), {
        "service": waste.pk, "free_per_year": "24", "max_per_year": "34",
        "charge_use": "visit"})
    assert response.status_code == 302
    assert (waste.quota.free_per_year, waste.quota.max_per_year) == (24, 34)


def test_manage_page_links_to_every_editing_page(client, users, places):
    a = places["a"]
    page = _client(client, users, "manager_a").get(reverse("access:manage")).content.decode()
    for name, args in (("access:facility_new", []), ("access:facility", [a["facility"].pk]),
                       ("access:checkpoint_new", [a["facility"].pk]),
                       ("access:checkpoint", [a["checkpoint"].pk]),
                       ("access:door_group_new", []), ("access:door_group", [a["group"].pk]),
                       ("access:quota_new", []), ("access:quota", [a["quota"].pk])):
        assert f'href="{reverse(name, args=args)}"' in page, name


@pytest.mark.parametrize("case", ["place with checkpoints", "place opened by a group",
                                  "checkpoint with a terminal", "checkpoint opened by a group",
                                  "quota with visits"])
def test_what_is_still_in_use_is_not_deleted_and_the_page_says_why(client, users, places,
                                                                    case):
    a = places["a"]
    if case == "place opened by a group":
        a["group"].facilities.add(a["annex"])
    if case == "checkpoint opened by a group":
        a["group"].checkpoints.add(a["back_door"])
    if case == "quota with visits":
        a["quota"].counters.create(household=Household.objects.create(
            territory=a["facility"].territory), year=2026, used=3)
    name, obj, model, expected = {
        "place with checkpoints": ("access:facility_delete", a["facility"], Facility,
                                   "Pool A still has doors, turnstiles or desks."),
        "place opened by a group": ("access:facility_delete", a["annex"], Facility,
                                    "Door groups open Annex A: Lifeguards A."),
        "checkpoint with a terminal": ("access:checkpoint_delete", a["checkpoint"],
                                       Checkpoint, "Turnstile has terminals or entries"),
        "checkpoint opened by a group": ("access:checkpoint_delete", a["back_door"],
                                         Checkpoint, "Door groups open Back door: Lifeguards A."),
        "quota with visits": ("access:quota_delete", a["quota"], Quota,
                              "Visits were already counted with this quota"),
    }[case]
    audits = AuditLogEntry.objects.count()
    response = _client(client, users, "manager_a").post(reverse(name, args=[obj.pk]),
                                                        follow=True)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()
    assert AuditLogEntry.objects.count() == audits
