"""Office hours recurrence, appointments and reminders, the accompaniment log and the goal."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.permissions import Role
from civicard.inclusion import operations, queries, schedule
from civicard.inclusion.exceptions import (
    NotYourOfficeHours,
    ProposalAlreadyDecided,
    ReasonRequired,
    SlotNotAvailable,
)
from civicard.inclusion.models import (
    Accompaniment,
    Appointment,
    Goal,
    Mediator,
    OfficeHours,
    Place,
    PlaceProposal,
)
from civicard.notifications.models import Notification
from civicard.territory.models import Neighbourhood
from tests.inclusion.conftest import AT

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def thursdays(mediator, place):
    """1st and 3rd Thursday 14:00–17:00, from January 2026."""
    return OfficeHours.objects.create(
        mediator=mediator, place=place, weekday=3, weeks_of_month="1,3",
        start_time=time(14), end_time=time(17), slot_minutes=30, valid_from=date(2026, 1, 1))


def test_first_and_third_thursday_over_months(thursdays):
    found = [s.date for s in schedule.sessions(thursdays, date(2026, 1, 1), date(2026, 4, 30))]
    assert found == [date(2026, 1, 1), date(2026, 1, 15), date(2026, 2, 5), date(2026, 2, 19),
                     date(2026, 3, 5), date(2026, 3, 19), date(2026, 4, 2), date(2026, 4, 16)]


def test_last_week_of_month_rule(thursdays):
    thursdays.weeks_of_month = "-1"
    found = [s.date for s in schedule.sessions(thursdays, date(2026, 1, 1), date(2026, 3, 31))]
    assert found == [date(2026, 1, 29), date(2026, 2, 26), date(2026, 3, 26)]


def test_wall_clock_time_is_kept_across_dst(thursdays):
    # Summer time starts on Sunday 29 March 2026 in Paris: 14:00 local is 13:00 UTC before,
    # 12:00 UTC after.
    march = schedule.sessions(thursdays, date(2026, 3, 19), date(2026, 3, 19))[0]
    april = schedule.sessions(thursdays, date(2026, 4, 2), date(2026, 4, 2))[0]
    assert march.starts_at.astimezone(UTC).time() == time(13)
    assert april.starts_at.astimezone(UTC).time() == time(12)
    assert april.starts_at.astimezone(PARIS).time() == time(14)
    # and back to winter time on 25 October 2026
    november = schedule.sessions(thursdays, date(2026, 11, 5), date(2026, 11, 5))[0]
    assert november.starts_at.astimezone(UTC).time() == time(13)


def test_cancellations_and_extra_sessions(thursdays, validator):
    operations.change_session(office_hours=thursdays, day=date(2026, 2, 5), kind="cancelled",
                              actor=validator, at=AT)
    operations.change_session(office_hours=thursdays, day=date(2026, 2, 12), kind="extra",
                              actor=validator, at=AT)
    found = [s.date for s in schedule.sessions(thursdays, date(2026, 2, 1), date(2026, 2, 28))]
    assert found == [date(2026, 2, 12), date(2026, 2, 19)]


def test_cancelling_a_day_without_session_is_refused(thursdays, validator):
    with pytest.raises(Exception) as error:
        operations.change_session(office_hours=thursdays, day=date(2026, 2, 6),
                                  kind="cancelled", actor=validator, at=AT)
    assert error.value.code == "no_session_that_day"


def test_mediator_edits_only_own_office_hours(thursdays, make_login, place):
    other_user = make_login("other@example.org", role=Role.MEDIATOR)
    other = Mediator.objects.create(user=other_user, display_name="Other")
    before = list(OfficeHours.objects.values())
    with pytest.raises(NotYourOfficeHours):
        operations.set_office_hours(mediator=other, office_hours=thursdays, place=place,
                                    weekday=0, weeks_of_month="", start_time=time(9),
                                    end_time=time(10), valid_from=date(2026, 1, 1),
                                    actor=other_user, at=AT)
    with pytest.raises(NotYourOfficeHours):
        operations.change_session(office_hours=thursdays, day=date(2026, 2, 5),
                                  kind="cancelled", actor=other_user, at=AT)
    assert list(OfficeHours.objects.values()) == before
    assert not thursdays.changes.exists()
    resident = make_login("someone@example.org")
    with pytest.raises(PermissionRefused):
        operations.set_office_hours(mediator=other, place=place, weekday=0, weeks_of_month="",
                                    start_time=time(9), end_time=time(10),
                                    valid_from=date(2026, 1, 1), actor=resident, at=AT)
    assert OfficeHours.objects.count() == 1


def test_invalid_office_hours_rule(mediator, validator, place):
    with pytest.raises(InvalidInput) as error:
        operations.set_office_hours(mediator=mediator, place=place, weekday=3,
                                    weeks_of_month="1,7", start_time=time(17),
                                    end_time=time(14), valid_from=date(2026, 1, 1),
                                    actor=validator, at=AT)
    assert set(error.value.fields) == {"weeks_of_month", "end_time"}
    assert not OfficeHours.objects.exists()


def test_booking_confirmation_reminder_and_cancellation(thursdays, resident, validator):
    person = resident.person
    slot = datetime(2026, 3, 19, 14, 30, tzinfo=PARIS)
    appointment = operations.book_appointment(office_hours=thursdays, starts_at=slot,
                                              person=person, actor=resident, at=AT)
    assert appointment.ends_at == datetime(2026, 3, 19, 15, 0, tzinfo=PARIS)
    assert Notification.objects.filter(person=person,
                                       kind="inclusion.appointment_booked").count() == 1
    with pytest.raises(SlotNotAvailable):  # the same slot twice
        operations.book_appointment(office_hours=thursdays, starts_at=slot, person=person,
                                    actor=resident, at=AT)
    with pytest.raises(SlotNotAvailable):  # not a slot of the rule
        operations.book_appointment(office_hours=thursdays, starts_at=slot + timedelta(
            minutes=10), person=person, actor=resident, at=AT)
    # reminders: only the day before, only once
    assert operations.send_reminders(at=datetime(2026, 3, 17, 9, tzinfo=PARIS)) == 0
    assert operations.send_reminders(at=datetime(2026, 3, 18, 9, tzinfo=PARIS)) == 1
    assert operations.send_reminders(at=datetime(2026, 3, 18, 10, tzinfo=PARIS)) == 0
    reminder = Notification.objects.get(person=person, kind="inclusion.appointment_reminder")
    assert "14:30" in reminder.body
    free = queries.free_slots(thursdays, start=date(2026, 3, 19), days=0, at=AT)
    assert slot not in free[0][1] and len(free[0][1]) == 5
    operations.cancel_appointment(appointment_id=appointment.pk, person=person,
                                  actor=resident, at=AT)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    # the slot is free again
    operations.book_appointment(office_hours=thursdays, starts_at=slot, person=person,
                                actor=resident, at=AT)


def test_reminder_in_the_persons_language(thursdays, make_login):
    user = make_login("fr@example.org", language="fr")
    operations.book_appointment(office_hours=thursdays,
                                starts_at=datetime(2026, 3, 19, 15, tzinfo=PARIS),
                                person=user.person, actor=user, at=AT)
    operations.send_reminders(at=datetime(2026, 3, 18, 9, tzinfo=PARIS))
    reminder = Notification.objects.get(kind="inclusion.appointment_reminder")
    assert reminder.language == "fr"
    assert reminder.subject_in(reminder.language) == "Rappel : votre rendez-vous demain"


def test_cancelling_a_session_cancels_its_appointments(thursdays, resident, validator):
    operations.book_appointment(office_hours=thursdays,
                                starts_at=datetime(2026, 3, 19, 14, tzinfo=PARIS),
                                person=resident.person, actor=resident, at=AT)
    operations.change_session(office_hours=thursdays, day=date(2026, 3, 19), kind="cancelled",
                              actor=validator, at=AT)
    assert Appointment.objects.get().status == "cancelled"
    assert Notification.objects.filter(
        kind="inclusion.appointment_cancelled_by_mediator").count() == 1


def test_someone_else_cannot_cancel(thursdays, resident, make_login):
    appointment = operations.book_appointment(
        office_hours=thursdays, starts_at=datetime(2026, 3, 19, 14, tzinfo=PARIS),
        person=resident.person, actor=resident, at=AT)
    intruder = make_login("intruder@example.org")
    with pytest.raises(Exception) as error:
        operations.cancel_appointment(appointment_id=appointment.pk, person=intruder.person,
                                      actor=intruder, at=AT)
    assert error.value.code == "not_found"
    assert Appointment.objects.get().status == "booked"


# --- accompaniment log and goal -------------------------------------------------------------

def _log(mediator, validator, place, day, **who):
    return operations.log_accompaniment(
        mediator=mediator, place=place, day=day, duration_minutes=30,
        themes=["Aide aux démarches administratives"], first_visit=True, actor=validator,
        at=AT, **who)


def test_same_anonymous_person_seen_five_times_counts_once(mediator, validator, place,
                                                           territory):
    hood = Neighbourhood.objects.get(name="Les Tours")
    hood.population = 1000
    hood.save()
    for n in range(5):
        _log(mediator, validator, place, date(2026, 1, 5) + timedelta(days=7 * n),
             first_name="Élodie" if n % 2 else "elodie", family_name="Martin ",
             birth_year=1950, neighbourhood=hood, age_bracket="75+")
    _log(mediator, validator, place, date(2026, 2, 20), first_name="Jean",
         family_name="Martin", birth_year=1950, neighbourhood=hood)
    assert Accompaniment.objects.count() == 6
    assert Accompaniment.objects.values("pseudonym").distinct().count() == 2
    goal = Goal.objects.create(territory=territory, name="10%", percent=10, years=5,
                               start_date=date(2026, 1, 1))
    goal.neighbourhoods.add(hood)
    deadline, progress = queries.goal_progress(goal, today=date(2026, 3, 10))
    assert deadline == date(2031, 1, 1)
    item = progress[0]
    assert (item.population, item.target, item.reached) == (1000, 100, 2)
    assert [(m.month, reached) for m, reached, _t in item.months] == [(1, 1), (2, 2), (3, 2)]
    assert item.months[-1][2] == 5  # 3 months of 60 → 5 of the 100
    assert item.projected == 40 and not item.on_track
    # no name is stored
    stored = str(list(Accompaniment.objects.values()))
    assert "lodie" not in stored and "Martin" not in stored and "1950" not in stored


def test_registered_person_counted_once_and_can_erase(mediator, validator, place, resident,
                                                      make_household, territory, client):
    hood = Neighbourhood.objects.get(name="Les Tours")
    make_household(resident.person, neighbourhood=hood)
    for n in range(3):
        _log(mediator, validator, place, date(2026, 2, 1) + timedelta(days=n),
             person=resident.person)
    assert {a.neighbourhood_id for a in Accompaniment.objects.all()} == {hood.pk}
    assert Accompaniment.objects.values("pseudonym").distinct().count() == 1
    client.force_login(resident)
    page = client.get("/inclusion/me/records/")
    assert page.status_code == 200 and page.content.decode().count("<tr>") == 4
    client.post("/inclusion/me/records/")
    assert not Accompaniment.objects.exists()


def test_log_requires_minimal_identification_and_known_themes(mediator, validator, place):
    with pytest.raises(InvalidInput) as error:
        operations.log_accompaniment(mediator=mediator, place=place, day=date(2026, 3, 1),
                                     duration_minutes=30, themes=["Santé mentale"],
                                     first_visit=True, actor=validator, at=AT,
                                     first_name="A", family_name="", birth_year=None)
    assert "first_name" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        operations.log_accompaniment(mediator=mediator, place=place, day=date(2026, 3, 1),
                                     duration_minutes=30, themes=["Santé mentale"],
                                     first_visit=True, actor=validator, at=AT,
                                     first_name="A", family_name="B", birth_year=1980)
    assert "themes" in error.value.fields
    assert not Accompaniment.objects.exists()


def test_only_mediators_log(mediator, place, resident):
    with pytest.raises(PermissionRefused):
        _log(mediator, resident, place, date(2026, 3, 1), first_name="A", family_name="B",
             birth_year=1980)
    assert not Accompaniment.objects.exists()


# --- proposals ------------------------------------------------------------------------------

def test_proposal_accept_reject_history_and_notice(territory, resident, validator, place):
    person = resident.person
    correction = operations.propose_place(territory=territory, place=place, proposer=person,
                                          data={"horaires": "Mo-Sa 09:00-18:00",
                                                "accepts_pass_numerique": True}, at=AT)
    assert Place.objects.get().horaires == "Mo-Fr 09:00-12:00,14:00-18:00"  # not yet
    operations.decide_proposal(proposal_id=correction.pk, accept=True, reason="",
                               actor=validator, at=AT)
    place.refresh_from_db()
    assert place.horaires == "Mo-Sa 09:00-18:00" and place.accepts_pass_numerique
    assert place.versions.count() == 2
    with pytest.raises(ProposalAlreadyDecided):
        operations.decide_proposal(proposal_id=correction.pk, accept=False, reason="x",
                                   actor=validator, at=AT)
    new = operations.propose_place(territory=territory, place=None, proposer=person, at=AT,
                                   data={"nom": "Café réparation", "adresse": "1 rue Basse",
                                         "code_postal": "79000", "commune": "Nordville",
                                         "pivot": "123456789"})
    with pytest.raises(ReasonRequired):
        operations.decide_proposal(proposal_id=new.pk, accept=False, reason=" ",
                                   actor=validator, at=AT)
    operations.decide_proposal(proposal_id=new.pk, accept=False, reason="Already listed",
                               actor=validator, at=AT)
    assert Place.objects.count() == 1
    bodies = [notice.body for notice in Notification.objects.filter(person=person)]
    assert any("is now on the map" in b for b in bodies)
    assert any("Reason: Already listed" in b for b in bodies)


def test_invalid_proposal_is_refused(territory, resident):
    with pytest.raises(Exception) as error:
        operations.propose_place(territory=territory, place=None, proposer=resident.person,
                                 at=AT, data={"nom": "X", "adresse": "1 rue", "commune": "N",
                                              "code_postal": "12", "pivot": "123456789",
                                              "horaires": "whenever"})
    assert error.value.code == "proposal_invalid"
    assert set(error.value.fields) == {"code_postal", "horaires"}
    assert not PlaceProposal.objects.exists()


def test_only_validators_publish(territory, resident, place):
    proposal = operations.propose_place(territory=territory, place=place,
                                        proposer=resident.person, data={"nom": "Hacked"},
                                        at=AT)
    with pytest.raises(PermissionRefused):
        operations.decide_proposal(proposal_id=proposal.pk, accept=True, reason="",
                                   actor=resident, at=AT)
    with pytest.raises(PermissionRefused):
        operations.import_places(source=b"id\n", territory=territory, actor=resident, at=AT)
    assert Place.objects.get().nom == "Médiathèque du Centre"
    assert PlaceProposal.objects.get().status == "pending"


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_one_slot_get_one_booking(postgres_only, territory, make_login):
    from tests.inclusion.conftest import csv_bytes, row
    from tests.races import race

    user = make_login("racer-mediator@example.org", role=Role.MEDIATOR)
    operations.import_places(source=csv_bytes(row()), territory=territory, actor=user, at=AT)
    mediator = Mediator.objects.create(user=user, display_name="M")
    hours = OfficeHours.objects.create(
        mediator=mediator, place=Place.objects.get(), weekday=3, start_time=time(14),
        end_time=time(15), valid_from=date(2026, 1, 1))
    people = [make_login(f"racer{n}@example.org") for n in range(2)]
    slot = datetime(2026, 3, 19, 14, 0, tzinfo=PARIS)

    def book(index):
        person_user = people[index]
        operations.book_appointment(office_hours=hours, starts_at=slot,
                                    person=person_user.person, actor=person_user, at=AT)
        return "booked"

    outcomes = race(2, book)
    assert sorted(outcomes) == ["booked", SlotNotAvailable.code]
    assert Appointment.objects.filter(status="booked").count() == 1


def test_erasing_an_account_keeps_only_anonymous_statistics(mediator, validator, place,
                                                             resident, thursdays):
    from civicard.people.operations import erase_person

    _log(mediator, validator, place, date(2026, 2, 1), person=resident.person)
    appointment = operations.book_appointment(
        office_hours=thursdays, starts_at=datetime(2026, 3, 19, 14, tzinfo=PARIS),
        person=resident.person, actor=resident, at=AT)
    erase_person(person=resident.person, actor=resident, at=AT)
    entry = Accompaniment.objects.get()
    assert entry.person is None and entry.pseudonym
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_reminder_command(thursdays, resident):
    import io

    from django.core.management import call_command

    from civicard.core import clock

    operations.book_appointment(office_hours=thursdays,
                                starts_at=datetime(2026, 3, 19, 16, tzinfo=PARIS),
                                person=resident.person, actor=resident, at=AT)
    out = io.StringIO()
    with clock.frozen(datetime(2026, 3, 18, 9, tzinfo=PARIS)):
        call_command("send_inclusion_reminders", stdout=out)
        call_command("send_inclusion_reminders", stdout=out)
    assert out.getvalue().splitlines() == ["1 reminder(s) sent.", "0 reminder(s) sent."]
