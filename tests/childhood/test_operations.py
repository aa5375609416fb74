"""Enrolments, the waiting list, reservations with their deadline and capacity, roll-call marks."""

from datetime import UTC, date, datetime, timedelta

import pytest

from civicard.childhood import operations
from civicard.childhood.models import (
    ChildEnrolment,
    EnrolmentStatus,
    Reservation,
    State,
    Unit,
    UnitDay,
)
from civicard.core.errors import DomainError
from civicard.core.permissions import Role
from civicard.notifications.models import Notification
from civicard.people.models import Person
from civicard.wallets import operations as wallets

from .conftest import AT, MONDAY, make_family

pytestmark = pytest.mark.django_db


def codes_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def open_week(unit, monday=MONDAY, manager=None):
    return UnitDay.objects.bulk_create([
        UnitDay(unit=unit, day=monday + timedelta(days=n), capacity=unit.capacity)
        for n in (0, 1, 3, 4)])


def test_enrolments_fill_the_places_then_wait_and_are_promoted_in_order(
        territory, make_login, make_activity):
    lessons = make_activity("Swimming", kind="lessons", places=2)
    families = [make_family(territory, make_login, i) for i in range(4)]
    enrolments = [operations.enrol_child(activity=lessons, child=child, actor=guardian,
                                         at=AT + timedelta(minutes=i))
                  for i, (guardian, _h, child) in enumerate(families)]
    assert [e.status for e in enrolments] == ["active", "active", "waiting", "waiting"]

    operations.cancel_enrolment(enrolment=enrolments[0], actor=families[0][0],
                                at=AT + timedelta(hours=1))
    statuses = dict(ChildEnrolment.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in enrolments] == ["cancelled", "active", "active", "waiting"]
    notice = Notification.objects.get(kind="childhood.place_offered")
    assert notice.person == families[2][0].person
    assert "Kid2" in notice.body and "Swimming" in notice.body


def test_enrolment_checks_age_household_and_duplicates(family, make_login, make_activity):
    amina, _household, yanis, lina = family
    nursery = make_activity("Nursery", kind="nursery", max_age_months=48)
    teens = make_activity("Teens", min_age_months=12 * 12)
    assert codes_of(lambda: operations.enrol_child(
        activity=nursery, child=yanis, actor=amina, at=AT)) == "child_too_old"
    assert codes_of(lambda: operations.enrol_child(
        activity=teens, child=lina, actor=amina, at=AT)) == "child_too_young"
    stranger = make_login("stranger@example.org")
    assert codes_of(lambda: operations.enrol_child(
        activity=teens, child=yanis, actor=stranger, at=AT)) == "not_a_child_of_the_household"
    canteen = make_activity("Canteen")
    operations.enrol_child(activity=canteen, child=lina, actor=amina, at=AT)
    assert codes_of(lambda: operations.enrol_child(
        activity=canteen, child=lina, actor=amina, at=AT)) == "already_enrolled"
    assert ChildEnrolment.objects.count() == 1


def test_deadline_by_days_before_and_by_weekday(canteen):
    canteen.deadline_days_before, canteen.deadline_time = 2, "18:00"
    assert operations.deadline_for(canteen, date(2026, 2, 12)).isoformat() == \
        "2026-02-10T18:00:00+01:00"
    canteen.deadline_weekday, canteen.deadline_time = 3, "12:00"  # Thursday noon, week before
    for day in (date(2026, 2, 9), date(2026, 2, 13)):
        assert operations.deadline_for(canteen, day).isoformat() == "2026-02-05T12:00:00+01:00"


@pytest.fixture
def booked_family(family, canteen):
    amina, _household, yanis, lina = family
    operations.enrol_child(activity=canteen, child=yanis, actor=amina, at=AT, allergies="Nuts")
    unit = canteen.units.get()
    open_week(unit)
    return amina, yanis, lina, unit


def test_reserve_and_cancel_before_the_deadline_is_free(booked_family):
    amina, yanis, _lina, unit = booked_family
    reservation = operations.reserve(child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)
    again = operations.reserve(child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)
    assert again.pk == reservation.pk and reservation.state == State.RESERVED
    assert UnitDay.objects.get(unit=unit, day=MONDAY).booked == 1
    operations.cancel(child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)
    assert Reservation.objects.get().state == State.CANCELLED
    assert UnitDay.objects.get(unit=unit, day=MONDAY).booked == 0


def test_after_the_deadline_residents_cannot_book_and_a_cancellation_is_billed(
        booked_family, make_login):
    amina, yanis, _lina, unit = booked_family
    tuesday = MONDAY + timedelta(days=1)
    operations.reserve(child=yanis, unit=unit, day=tuesday, actor=amina, at=AT)
    late = datetime(2026, 2, 9, 12, 0, tzinfo=UTC)  # Monday 13:00: Tuesday's deadline passed
    error = pytest.raises(DomainError, operations.reserve, child=yanis, unit=unit, day=tuesday
                          + timedelta(days=2), actor=amina, at=late + timedelta(days=2))
    assert error.value.code == "deadline_passed"
    assert "12:00" in error.value.text() or "noon" in error.value.text()
    operations.cancel(child=yanis, unit=unit, day=tuesday, actor=amina, at=late)
    assert Reservation.objects.get().state == State.LATE_CANCELLED
    agent = make_login("agent2@example.org", role=Role.COUNTER_AGENT)
    thursday = operations.reserve(child=yanis, unit=unit, day=MONDAY + timedelta(days=3),
                                  actor=agent, at=late + timedelta(days=3))
    assert thursday.state == State.RESERVED


def test_reserving_needs_an_enrolment_an_open_day_and_a_place(booked_family, territory,
                                                              make_login):
    amina, yanis, lina, unit = booked_family
    assert codes_of(lambda: operations.reserve(
        child=lina, unit=unit, day=MONDAY, actor=amina, at=AT)) == "not_enrolled"
    assert codes_of(lambda: operations.reserve(
        child=yanis, unit=unit, day=MONDAY + timedelta(days=2), actor=amina,
        at=AT)) == "day_not_open"
    UnitDay.objects.filter(unit=unit, day=MONDAY).update(capacity=1)
    guardian, _household, other = make_family(territory, make_login, 9)
    operations.enrol_child(activity=unit.activity, child=other, actor=guardian, at=AT)
    operations.reserve(child=other, unit=unit, day=MONDAY, actor=guardian, at=AT)
    assert codes_of(lambda: operations.reserve(
        child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)) == "unit_full"
    assert Reservation.objects.filter(child=yanis).count() == 0


def test_incompatible_units_refuse_each_other(family, make_activity):
    amina, _household, yanis, _lina = family
    centre = make_activity("Leisure centre", kind="leisure_centre",
                           units=("Full day", "Morning"))
    full_day, morning = centre.units.order_by("pk")
    full_day.incompatible.add(morning)
    operations.enrol_child(activity=centre, child=yanis, actor=amina, at=AT)
    for unit in (full_day, morning):
        open_week(unit)
    operations.reserve(child=yanis, unit=full_day, day=MONDAY, actor=amina, at=AT)
    error = pytest.raises(DomainError, operations.reserve, child=yanis, unit=morning,
                          day=MONDAY, actor=amina, at=AT).value
    assert (error.code, error.params) == ("unit_incompatible", {"unit": "Full day"})
    assert UnitDay.objects.get(unit=morning, day=MONDAY).booked == 0


def test_a_pattern_books_each_open_day_on_its_own(booked_family):
    amina, yanis, _lina, unit = booked_family
    open_week(unit, MONDAY + timedelta(days=7))
    UnitDay.objects.filter(unit=unit, day=MONDAY + timedelta(days=7)).update(capacity=0)
    results = operations.reserve_pattern(child=yanis, unit=unit, weekdays={0, 3},
                                         starts_on=MONDAY, ends_on=MONDAY + timedelta(days=13),
                                         actor=amina, at=AT)
    assert [(r.day.isoformat(), r.error.code if r.error else "ok") for r in results] == [
        ("2026-02-09", "ok"), ("2026-02-12", "ok"), ("2026-02-16", "unit_full"),
        ("2026-02-19", "ok")]


def test_a_household_owing_too_much_cannot_book(booked_family, manager):
    amina, yanis, _lina, unit = booked_family
    activity = unit.activity
    activity.debt_limit_cents = 1000
    activity.save()
    account = wallets.open_account(household=ChildEnrolment.objects.get().household,
                                   service=activity.service, at=AT)
    wallets.charge(account=account, amount_cents=1001, reason="meals", idempotency_key="d1",
                   actor=manager, at=AT)
    assert codes_of(lambda: operations.reserve(
        child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)) == "debt_limit_reached"


def test_roll_call_marks(booked_family, family, manager):
    amina, yanis, lina, unit = booked_family
    operations.enrol_child(activity=unit.activity, child=lina, actor=amina, at=AT)
    operations.reserve(child=yanis, unit=unit, day=MONDAY, actor=amina, at=AT)
    unit_day = UnitDay.objects.get(unit=unit, day=MONDAY)
    noon = datetime(2026, 2, 9, 11, 30, tzinfo=UTC)
    yanis_mark = operations.mark(unit_day=unit_day, child=yanis, mark="present", at=noon,
                                 actor=manager)
    lina_mark = operations.mark(unit_day=unit_day, child=lina, mark="present", at=noon)
    assert (yanis_mark.state, lina_mark.state) == (State.PRESENT, State.UNEXPECTED)
    operations.mark(unit_day=unit_day, child=yanis, mark="collected",
                    at=noon + timedelta(hours=1))
    operations.mark(unit_day=unit_day, child=yanis, mark="present",
                    at=noon + timedelta(hours=2))  # a second scan changes nothing
    yanis_mark.refresh_from_db()
    assert (yanis_mark.arrived_at, yanis_mark.left_at) == (noon, noon + timedelta(hours=1))
    assert codes_of(lambda: operations.mark(unit_day=unit_day, child=lina, mark="wave",
                                            at=noon)) == "mark_invalid"
    operations.mark(unit_day=unit_day, child=yanis, mark="absent", at=noon)
    yanis_mark.refresh_from_db()
    assert yanis_mark.state == State.ABSENT_UNJUSTIFIED
    operations.justify(reservation=yanis_mark, actor=manager, at=noon)
    yanis_mark.refresh_from_db()
    assert yanis_mark.state == State.ABSENT_JUSTIFIED
    unit_day.refresh_from_db()
    assert unit_day.booked == 0  # a justified absence frees its place


def test_a_child_not_enrolled_cannot_be_marked(booked_family, territory, make_login):
    _amina, _yanis, _lina, unit = booked_family
    _guardian, _household, other = make_family(territory, make_login, 3)
    unit_day = UnitDay.objects.get(unit=unit, day=MONDAY)
    assert codes_of(lambda: operations.mark(unit_day=unit_day, child=other, mark="present",
                                            at=AT)) == "not_enrolled"
    assert Reservation.objects.count() == 0


def test_import_calendar_reports_bad_rows_and_opens_nothing(canteen, manager):
    error = pytest.raises(DomainError, operations.import_calendar, activity=canteen,
                          text="date\n2026-02-09\n9 Feb\n", actor=manager, at=AT).value
    assert error.code == "invalid_input" and list(error.fields) == ["row 3"]
    assert UnitDay.objects.count() == 0
    assert operations.import_calendar(activity=canteen, text="date\n2026-02-09\n2026-02-10\n"
                                      "2027-01-01\n", actor=manager, at=AT) == 2


def test_school_days_skip_weekends_and_holidays():
    days = operations.school_days(starts_on=date(2026, 2, 9), ends_on=date(2026, 2, 15),
                                  weekdays={0, 1, 3, 4}, closed={date(2026, 2, 10)})
    assert days == [date(2026, 2, 9), date(2026, 2, 12), date(2026, 2, 13)]


def test_units_are_counted_per_activity(canteen):
    assert Unit.objects.filter(activity=canteen).count() == 1
    assert Person.objects.count() == 0
    assert EnrolmentStatus.WAITING.label == "on the waiting list"
