from datetime import UTC, date, datetime

import pytest
from django.core import mail

from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people import operations, queries
from civicard.people.exceptions import (
    AlreadyMember,
    BirthDateInvalid,
    InvitationInvalid,
    InvitationWrongAccount,
    NotAGuardian,
)
from civicard.people.models import GuardianInvitation, Household, Membership, Person

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def home(resident, make_household, neighbourhood):
    return make_household(resident.person, neighbourhood=neighbourhood)


def test_guardian_adds_a_child(home, resident):
    child = operations.add_member(household=home, full_name="  Léo   Parkinson ",
                                  birth_date=date(2018, 4, 1), language="fr",
                                  by=resident.person, actor=resident, at=AT)
    assert child.full_name == "Léo Parkinson"
    assert list(home.memberships.values_list("person__full_name", "is_guardian")) == [
        ("Rosa Parkinson", True), ("Léo Parkinson", False)]
    entry = AuditLogEntry.objects.get(action="household.member_added")
    assert entry.extra == {"person_id": child.pk}


def test_a_child_cannot_add_members_and_nothing_is_written(home, resident):
    child = operations.add_member(household=home, full_name="Léo", birth_date=None,
                                  language="fr", by=resident.person, actor=resident, at=AT)
    people_before = Person.objects.count()
    with pytest.raises(NotAGuardian):
        operations.add_member(household=home, full_name="Intruder", birth_date=None,
                              language="fr", by=child, actor=resident, at=AT)
    assert Person.objects.count() == people_before


@pytest.mark.parametrize("birth_date", [date(2027, 1, 1), date(1900, 1, 1)])
def test_impossible_birth_dates_are_refused_with_the_field(home, resident, birth_date):
    with pytest.raises(BirthDateInvalid) as caught:
        operations.add_member(household=home, full_name="Léo", birth_date=birth_date,
                              language="fr", by=resident.person, actor=resident, at=AT)
    assert caught.value.as_dict()["fields"] == {"birth_date": [
        "The date of birth cannot be in the future or more than 120 years ago."]}
    assert home.memberships.count() == 1


def test_blank_name_is_refused(home, resident):
    with pytest.raises(InvalidInput) as caught:
        operations.add_member(household=home, full_name="   ", birth_date=None, language="fr",
                              by=resident.person, actor=resident, at=AT)
    assert list(caught.value.fields) == ["full_name"]


def test_child_of_separated_parents_belongs_to_two_households(home, resident, make_login,
                                                             make_household, agent):
    child = operations.add_member(household=home, full_name="Yanis", birth_date=date(2016, 9, 2),
                                  language="fr", by=resident.person, actor=resident, at=AT)
    father = make_login("father@example.org")
    other = make_household(father.person)
    operations.attach_member(household=other, person=child, is_guardian=False, actor=agent,
                             at=AT)
    assert set(child.households.values_list("pk", flat=True)) == {home.pk, other.pk}
    assert [h.pk for h in queries.households_of(father.person)] == [other.pk]
    with pytest.raises(AlreadyMember):
        operations.attach_member(household=other, person=child, is_guardian=False, actor=agent,
                                 at=AT)


def test_a_resident_cannot_attach_people_to_households(home, resident, make_login,
                                                      make_household):
    stranger = make_login("stranger@example.org")
    with pytest.raises(PermissionRefused):
        operations.attach_member(household=home, person=stranger.person, is_guardian=True,
                                 actor=stranger, at=AT)
    assert home.memberships.count() == 1


def test_invited_second_guardian_joins_with_their_own_login(
        home, resident, make_login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = operations.invite_guardian(household=home, email="Partner@Example.org",
                                                by=resident.person, actor=resident, at=AT)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["partner@example.org"]
    assert f"http://127.0.0.1:8000/invitations/{invitation.token}/" in mail.outbox[0].body
    partner = make_login("partner@example.org")
    operations.accept_invitation(token=invitation.token, user=partner, at=AT)
    assert home.memberships.get(person=partner.person).is_guardian is True
    with pytest.raises(InvitationInvalid):
        operations.accept_invitation(token=invitation.token, user=partner, at=AT)


def test_invitation_is_personal_and_expires(home, resident, make_login):
    invitation = operations.invite_guardian(household=home, email="partner@example.org",
                                            by=resident.person, actor=resident, at=AT)
    someone_else = make_login("else@example.org")
    with pytest.raises(InvitationWrongAccount):
        operations.accept_invitation(token=invitation.token, user=someone_else, at=AT)
    partner = make_login("partner@example.org")
    late = AT.replace(month=12)
    with pytest.raises(InvitationInvalid):
        operations.accept_invitation(token=invitation.token, user=partner, at=late)
    assert home.memberships.count() == 1
    assert GuardianInvitation.objects.get().accepted_at is None


def test_counter_agent_creates_a_household_for_someone_without_email(agent, territory,
                                                                   neighbourhood):
    household = operations.create_household_at_counter(
        territory=territory, full_name="Odette Texier", birth_date=date(1941, 2, 3),
        language="fr", phone="", email="", street="3 rue des Écoles", postal_code="79000",
        neighbourhood=neighbourhood, actor=agent, at=AT)
    person = household.memberships.get().person
    assert (person.full_name, person.email, person.phone, person.user) == (
        "Odette Texier", "", "", None)
    assert household.address.neighbourhood == neighbourhood
    assert AuditLogEntry.objects.filter(action="household.created_at_counter",
                                        actor=agent).count() == 1


def test_agent_scoped_to_another_commune_cannot_create_here(make_login, territory,
                                                           neighbourhood):
    from civicard.territory.models import Commune

    south = Commune.objects.get(name="Sudville")
    agent = make_login("south-agent@example.org", role=Role.COUNTER_AGENT, commune=south)
    with pytest.raises(PermissionRefused):
        operations.create_household_at_counter(
            territory=territory, full_name="X Y", birth_date=None, language="fr", phone="",
            email="", street="1 rue", postal_code="79000", neighbourhood=neighbourhood,
            actor=agent, at=AT)
    assert Household.objects.count() == 0


def test_income_bracket_read_by_an_agent_is_audited_but_not_by_the_household(
        home, resident, agent, territory):
    bracket = territory.income_brackets.get()
    operations.set_income_bracket(household=home, bracket=bracket, actor=agent, at=AT)
    assert queries.income_bracket_for(home, reader=resident,
                                      reader_person=resident.person) == bracket
    assert not AuditLogEntry.objects.filter(action="household.income_bracket_read").exists()
    assert queries.income_bracket_for(home, reader=agent, reader_person=None) == bracket
    read = AuditLogEntry.objects.get(action="household.income_bracket_read")
    assert (read.actor, read.object_id) == (agent, str(home.pk))


def test_income_bracket_is_hidden_from_other_residents(home, make_login):
    neighbour = make_login("neighbour@example.org")
    with pytest.raises(PermissionRefused):
        queries.income_bracket_for(home, reader=neighbour, reader_person=neighbour.person)


def test_find_households_respects_the_agents_commune(make_login, make_household, territory):
    from civicard.territory.models import Commune, Neighbourhood

    north_home = make_household(make_login("n@example.org", full_name="Nora Nord").person,
                                neighbourhood=Neighbourhood.objects.get(name="Centre"))
    make_household(make_login("s@example.org", full_name="Nora Sud").person,
                   neighbourhood=Neighbourhood.objects.get(name="Le Port"))
    north_agent = make_login("na@example.org", role=Role.COUNTER_AGENT,
                             commune=Commune.objects.get(name="Nordville"))
    assert [h.pk for h in queries.find_households(north_agent, "Nora")] == [north_home.pk]


def test_erasing_a_person_keeps_history_but_not_identity(home, resident):
    operations.add_member(household=home, full_name="Léo", birth_date=None, language="fr",
                          by=resident.person, actor=resident, at=AT)
    person = resident.person
    history_before = AuditLogEntry.objects.count()
    operations.erase_person(person=person, actor=resident, at=AT)
    person.refresh_from_db()
    resident.refresh_from_db()
    assert (person.full_name, person.email, person.phone, person.birth_date) == ("", "", "",
                                                                                   None)
    assert person.erased_at == AT
    assert not resident.is_active and not resident.has_usable_password()
    assert resident.email == f"erased-{resident.pk}@erased.invalid"
    # History stays, pointing at the anonymous person: the household, its child, the audit log.
    assert Membership.objects.filter(person=person, household=home).exists()
    assert AuditLogEntry.objects.count() == history_before + 1
    assert AuditLogEntry.objects.filter(action="household.member_added").exists()
    assert "Rosa" not in str(queries.export_person_data(person))


def test_export_contains_the_persons_data(home, resident):
    data = queries.export_person_data(resident.person)
    assert data["person"]["full_name"] == "Rosa Parkinson"
    assert data["households"][0]["members"] == [
        {"name": "Rosa Parkinson", "guardian": True, "birth_date": None}]


def test_counter_says_when_more_households_match_than_it_shows(client, agent, make_household,
                                                               settings):
    from civicard.people.views import HOUSEHOLDS_SHOWN

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(agent)
    homes = [make_household(Person.objects.create(full_name=f"Nadia Benali {n}"))
             for n in range(HOUSEHOLDS_SHOWN)]
    page = client.get("/counter/?q=benali").content.decode()
    assert f"{HOUSEHOLDS_SHOWN} households found" in page
    assert "More than" not in page and "Only the first ones are shown" not in page

    homes.append(make_household(Person.objects.create(full_name="Nadia Benali extra")))
    page = client.get("/counter/?q=benali").content.decode()
    assert f"More than {HOUSEHOLDS_SHOWN} households found" in page
    assert "Only the first ones are shown" in page
    shown = [h.pk for h in homes if f"/counter/households/{h.pk}/" in page]
    assert shown == [h.pk for h in homes[:HOUSEHOLDS_SHOWN]]
