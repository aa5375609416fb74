"""Staff set-up pages (season, units, prices, opening days with a school-holiday CSV) and the
kitchen's meal count, scoped by commune."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicard.childhood import operations
from civicard.childhood.models import Activity, Unit, UnitDay, UnitPrice
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.territory.models import Commune, IncomeBracket

from .conftest import AT, MONDAY
from .test_operations import open_week

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def north_manager(territory, make_login):
    return make_login("north@example.org", role=Role.SERVICE_MANAGER,
                      commune=Commune.objects.get(name="Nordville"))


def activity_post(service, commune, **changes):
    return {"form": "activity", "name": "Centre de loisirs", "kind": "leisure_centre",
            "service": service.pk, "commune": commune.pk, "season_starts_on": "2026-01-05",
            "season_ends_on": "2026-06-30", "places": "40", "min_age_months": "36",
            "max_age_months": "144", "deadline_days_before": "7", "deadline_time": "12:00",
            **changes}


def test_a_manager_sets_up_an_activity_in_a_commune_they_manage(client, north_manager,
                                                                make_service, make_login):
    service = make_service("leisure")
    north, south = Commune.objects.get(name="Nordville"), Commune.objects.get(name="Sudville")
    client.force_login(make_login("agent@example.org", role=Role.COUNTER_AGENT, commune=north))
    assert client.get("/childhood/staff/activity/new/").status_code == 403
    client.force_login(north_manager)
    page = client.post("/childhood/staff/activity/new/", activity_post(service, south))
    assert page.status_code == 200 and Activity.objects.count() == 0  # not one of theirs
    page = client.post("/childhood/staff/activity/new/",
                       activity_post(service, north, season_ends_on="2025-12-31"))
    assert "The season must end after it starts." in page.content.decode()
    assert client.post("/childhood/staff/activity/new/",
                       activity_post(service, north)).status_code == 302
    activity = Activity.objects.get()
    assert (activity.commune, activity.places, activity.deadline_days_before) == (north, 40, 7)
    url = f"/childhood/staff/activity/{activity.pk}/setup/"
    client.post(url, {"form": "unit", "name": "Journée", "capacity": "40",
                      "pricing": "per_unit", "planned_minutes": "480"})
    morning = {"form": "unit", "name": "Matin", "capacity": "20", "pricing": "per_unit",
               "planned_minutes": "240", "incompatible": [Unit.objects.get().pk]}
    client.post(url, morning)
    assert "Give a name no other unit has." in client.post(url, morning).content.decode()
    day, half = Unit.objects.order_by("pk")
    assert list(day.incompatible.all()) == [half]
    client.post(url, {"form": "price", "unit": day.pk, "amount_cents": "750",
                      "income_bracket": IncomeBracket.objects.get(code="QF1").pk,
                      "from_rank": "2", "valid_from": "2026-01-05"})
    price = UnitPrice.objects.get()
    assert (price.unit, price.amount_cents, price.from_rank, price.income_bracket.code) == (
        day, 750, 2, "QF1")
    client.force_login(make_login("south@example.org", role=Role.SERVICE_MANAGER,
                                  commune=south))
    assert client.get(url).status_code == 404


def test_opening_days_skips_the_school_holidays_of_the_csv(client, north_manager, make_activity):
    activity = make_activity("Mercredis", units=("Journée",))
    activity.commune = Commune.objects.get(name="Nordville")
    activity.save()
    client.force_login(north_manager)
    url = f"/childhood/staff/activity/{activity.pk}/setup/"
    bad = SimpleUploadedFile("holidays.csv", b"start,end\n2026-02-07,2026-02-22\n2026-13-01,x\n")
    page = client.post(url, {"form": "days", "weekdays": ["0"], "holidays": bad})
    assert "Row 3: write the start and the end" in page.content.decode()
    assert UnitDay.objects.count() == 0
    holidays = SimpleUploadedFile("holidays.csv",
                                  b"\xef\xbb\xbfstart,end\n2026-02-07,2026-02-22\n")
    client.post(url, {"form": "days", "weekdays": ["0"], "holidays": holidays})
    # The Mondays from 5 January to 29 June 2026 are 26; the winter holidays take 9 and 16
    # February.
    days = list(UnitDay.objects.values_list("day", flat=True))
    assert len(days) == 24 and date(2026, 2, 9) not in days and date(2026, 2, 23) in days
    assert {d.weekday() for d in days} == {0}


def test_the_kitchen_counts_the_meals_and_flags_allergies(client, family, canteen, make_login,
                                                         north_manager):
    amina, _household, yanis, lina = family
    canteen.commune = Commune.objects.get(name="Nordville")
    canteen.save()
    operations.enrol_child(activity=canteen, child=yanis, actor=amina, at=AT)
    operations.enrol_child(activity=canteen, child=lina, actor=amina, at=AT,
                           allergies="Arachide")
    unit = canteen.units.get()
    open_week(unit)
    for child in (yanis, lina):
        operations.reserve(child=child, unit=unit, day=MONDAY, actor=north_manager, at=AT)
    client.force_login(make_login("south@example.org", role=Role.COUNTER_AGENT,
                                  commune=Commune.objects.get(name="Sudville")))
    page = client.get(f"/childhood/staff/kitchen/?day={MONDAY}").content.decode()
    assert "No canteen is open on this day." in page and "Arachide" not in page
    client.force_login(make_login("cook@example.org", role=Role.COUNTER_AGENT,
                                  commune=Commune.objects.get(name="Nordville")))
    page = client.get(f"/childhood/staff/kitchen/?day={MONDAY}").content.decode()
    assert "2 meals" in page and "Lina Benali</strong>: Arachide" in page
    assert AuditLogEntry.objects.filter(action="childhood.kitchen_read").count() == 2
    client.force_login(amina)
    assert client.get("/childhood/staff/kitchen/").status_code == 403
