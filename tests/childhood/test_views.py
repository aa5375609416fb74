"""The family pages (book a week on a phone) and the staff pages (roll-call, closing)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from civicard.childhood import operations
from civicard.childhood.models import (
    Activity,
    ChildEnrolment,
    Period,
    Reservation,
    State,
    UnitDay,
)
from civicard.core import clock
from civicard.core.models import AuditLogEntry, IdempotencyKey
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership
from civicard.territory.models import Commune

from .conftest import AT, CLOSING, MONDAY
from .test_operations import open_week

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def enrolled(family, canteen, client):
    amina, _household, yanis, _lina = family
    operations.enrol_child(activity=canteen, child=yanis, actor=amina, at=AT,
                           allergies="Peanuts")
    open_week(canteen.units.get())
    client.force_login(amina)
    return yanis


def test_a_guardian_books_and_cancels_a_day_from_the_week_page(client, enrolled):
    unit_day = UnitDay.objects.get(day=MONDAY)
    with clock.frozen(AT):
        page = client.get(f"/childhood/child/{enrolled.pk}/?week={MONDAY}")
        assert page.status_code == 200
        assert page.content.decode().count('value="book"') == 4
        client.post(f"/childhood/child/{enrolled.pk}/book/",
                    {"unit_day": unit_day.pk, "action": "book"})
        assert Reservation.objects.get().state == State.RESERVED
        page = client.get(f"/childhood/child/{enrolled.pk}/?week={MONDAY}")
        assert page.content.decode().count('value="cancel"') == 1
        client.post(f"/childhood/child/{enrolled.pk}/book/",
                    {"unit_day": unit_day.pk, "action": "cancel"})
    assert Reservation.objects.get().state == State.CANCELLED


def test_after_the_deadline_the_week_says_a_cancellation_is_billed(client, enrolled):
    unit_day = UnitDay.objects.get(day=MONDAY)
    with clock.frozen(AT):
        client.post(f"/childhood/child/{enrolled.pk}/book/",
                    {"unit_day": unit_day.pk, "action": "book"})
        before = client.get(f"/childhood/child/{enrolled.pk}/?week={MONDAY}").content.decode()
    with clock.frozen(datetime(2026, 2, 9, 8, 0, tzinfo=UTC)):
        after = client.get(f"/childhood/child/{enrolled.pk}/?week={MONDAY}").content.decode()
    late = "The deadline has passed: cancelling this day will be billed"
    assert late not in before and ">Cancel</button>" in before
    assert late in after and ">Cancel (billed)</button>" in after


def test_a_late_booking_shows_the_deadline_and_writes_nothing(client, enrolled):
    unit_day = UnitDay.objects.get(day=MONDAY)
    with clock.frozen(datetime(2026, 2, 9, 8, 0, tzinfo=UTC)):
        answer = client.post(f"/childhood/child/{enrolled.pk}/book/",
                             {"unit_day": unit_day.pk, "action": "book"}, follow=True)
    assert "The deadline to book or cancel this day was" in answer.content.decode()
    assert Reservation.objects.count() == 0


def test_a_parent_in_another_household_sees_the_activity_not_its_documents(
        client, enrolled, make_login, territory):
    """Yanis also lives with his father, in a household of his own; his mother enrolled him."""
    enrolment = ChildEnrolment.objects.get(child=enrolled)
    link = f'href="/childhood/enrolment/{enrolment.pk}/"'
    with clock.frozen(AT):
        assert link in client.get("/childhood/").content.decode()
        father = make_login("karim@example.org")
        home = Household.objects.create(territory=territory)
        Membership.objects.create(household=home, person=father.person, is_guardian=True)
        Membership.objects.create(household=home, person=enrolled)
        client.force_login(father)
        page = client.get("/childhood/").content.decode()
        assert "Canteen" in page and link not in page
        assert client.get(f"/childhood/enrolment/{enrolment.pk}/").status_code == 404


def test_another_household_s_child_is_not_found(client, enrolled, make_login):
    client.force_login(make_login("other@example.org"))
    assert client.get(f"/childhood/child/{enrolled.pk}/").status_code == 404
    answer = client.post(f"/childhood/child/{enrolled.pk}/book/",
                         {"unit_day": UnitDay.objects.first().pk, "action": "book"})
    assert answer.status_code == 404 and Reservation.objects.count() == 0


def test_the_family_page_and_the_enrolment_form(client, enrolled, family, make_activity):
    _amina, _household, _yanis, lina = family
    make_activity("Swimming", kind="lessons", places=0)
    with clock.frozen(AT):
        page = client.get("/childhood/").content.decode()
        assert "Yanis" in page and "Canteen" in page and "Book the days" in page
        answer = client.post(f"/childhood/child/{lina.pk}/enrol/", {
            "activity": str(_activity_id("Swimming")), "allergies": "Eggs"}, follow=True)
    assert "Lina is on the waiting list" in answer.content.decode()
    assert ChildEnrolment.objects.get(child=lina).allergies == "Eggs"


def _activity_id(name):
    return Activity.objects.get(name=name).pk


@pytest.fixture
def staff_client(client, make_login, enrolled):
    client.force_login(make_login("staff@example.org", role=Role.COUNTER_AGENT))
    return client


def test_the_roll_call_page_shows_health_sheets_and_audits_the_read(staff_client, enrolled):
    unit_day = UnitDay.objects.get(day=MONDAY)
    with clock.frozen(AT):
        page = staff_client.get(f"/childhood/staff/day/{unit_day.pk}/").content.decode()
    assert "Allergies: Peanuts" in page
    # the birth date tells apart two children of the same name
    assert '<strong>Yanis Benali</strong> <span class="muted">01/05/2016</span>' in page
    assert AuditLogEntry.objects.filter(action="childhood.health_read").count() == 1


def test_roll_call_marks_sent_later_are_recorded_once(staff_client, enrolled):
    unit_day = UnitDay.objects.get(day=MONDAY)
    lunch = datetime(2026, 2, 9, 11, 0, tzinfo=UTC)
    events = [{"idempotency_key": "m1", "child": enrolled.pk, "mark": "present",
               "at": lunch.isoformat()},
              {"idempotency_key": "m2", "child": "x", "mark": "present",
               "at": lunch.isoformat()},
              {"idempotency_key": "m3", "child": enrolled.pk, "mark": "present", "at": "soon"},
              {"idempotency_key": "m4", "child": enrolled.pk, "mark": "present",
               "at": (lunch - timedelta(days=1)).isoformat()}]  # taken on Sunday, for Monday
    url = f"/childhood/staff/day/{unit_day.pk}/marks/"
    with clock.frozen(lunch):
        first = staff_client.post(url, json.dumps({"events": events}),
                                  content_type="application/json").json()
        again = staff_client.post(url, json.dumps({"events": events[:1]}),
                                  content_type="application/json").json()
    assert [(r["status"], r["code"], r["message"]) for r in first["results"]] == [
        ("recorded", "", ""),
        ("rejected", "event_invalid", "Some fields are not filled in correctly."),
        ("rejected", "at_invalid", "The time of this mark is not possible: check the date and "
                                   "time of this phone or tablet."),
        ("recorded", "", "")]
    assert again["results"][0]["status"] == "duplicate"
    # present without booking, on the page's day whenever the mark was taken
    assert Reservation.objects.get().state == State.UNEXPECTED
    assert Reservation.objects.get().unit_day == unit_day
    assert IdempotencyKey.objects.count() == 2


def test_residents_and_other_communes_cannot_open_staff_pages(client, enrolled, make_login,
                                                              territory, canteen):
    unit_day = UnitDay.objects.get(day=MONDAY)
    assert client.get(f"/childhood/staff/day/{unit_day.pk}/").status_code == 403
    canteen.commune = Commune.objects.get(name="Nordville")
    canteen.save()
    client.force_login(make_login("south@example.org", role=Role.COUNTER_AGENT,
                                  commune=Commune.objects.get(name="Sudville")))
    assert client.get(f"/childhood/staff/day/{unit_day.pk}/").status_code == 403
    answer = client.post(f"/childhood/staff/day/{unit_day.pk}/",
                         {"child": enrolled.pk, "mark": "present"})
    assert answer.status_code == 403 and Reservation.objects.count() == 0
    assert AuditLogEntry.objects.filter(action="childhood.health_read").count() == 0


def test_a_manager_closes_a_month_from_the_activity_page(client, enrolled, manager, canteen):
    client.force_login(manager)
    with clock.frozen(CLOSING):
        page = client.get(f"/childhood/staff/activity/{canteen.pk}/?month=2026-02")
        assert page.status_code == 200
        # one month picker (the list's), the closing posts the month shown
        assert page.content.decode().count('id="id_month"') == 1
        assert '<input type="hidden" name="month" value="2026-02">' in page.content.decode()
        client.post(f"/childhood/staff/activity/{canteen.pk}/", {"month": "2026-02"})
        page = client.get(f"/childhood/staff/activity/{canteen.pk}/?month=2026-02")
    assert Period.objects.get().month.isoformat() == "2026-02-01"
    assert "Closed and billed on 2 March 2026." in page.content.decode()


def test_the_nursery_rate_page(client, db):
    page = client.get("/childhood/nursery-rate/?monthly_resources=3000&children=2")
    assert "1.55" in page.content.decode() and "0.0516 %" in page.content.decode()
    bad = client.get("/childhood/nursery-rate/?monthly_resources=-5&children=2")
    assert bad.status_code == 200 and "field-invalid" in bad.content.decode()


def test_bad_ids_in_forms_are_not_found_and_write_nothing(client, enrolled, make_login):
    assert client.post(f"/childhood/child/{enrolled.pk}/book/",
                       {"unit_day": "x' OR 1=1", "action": "book"}).status_code == 404
    client.force_login(make_login("agent9@example.org", role=Role.COUNTER_AGENT))
    unit_day = UnitDay.objects.get(day=MONDAY)
    for child in ("abc", str(2**70)):
        answer = client.post(f"/childhood/staff/day/{unit_day.pk}/",
                             {"child": child, "mark": "present"})
        assert answer.status_code == 404
    url = f"/childhood/staff/day/{unit_day.pk}/marks/"
    answer = client.post(url, json.dumps({"events": [
        {"idempotency_key": "k", "child": 2**70, "mark": "present",
         "at": "2026-02-09T11:00:00+00:00"}, "not an object"]}),
        content_type="application/json")
    assert [r["code"] for r in answer.json()["results"]] == ["event_invalid", "event_invalid"]
    assert client.post(url, "{", content_type="application/json").status_code == 422
    assert Reservation.objects.count() == 0


def test_the_family_pages_render_in_every_language(client, enrolled, family, settings):
    amina = family[0]
    for code, _name in settings.LANGUAGES:
        amina.person.language = code
        amina.person.save()
        with clock.frozen(AT):
            for url in ("/childhood/", f"/childhood/child/{enrolled.pk}/?week={MONDAY}"):
                answer = client.get(url)
                assert answer.status_code == 200, (code, url)
                assert f'lang="{code}"' in answer.content.decode()
    amina.person.language = "ar"
    amina.person.save()
    page = client.get("/childhood/").content.decode()
    assert 'dir="rtl"' in page and "أنشطة أطفالي" in page
