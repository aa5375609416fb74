"""Pages: the directory and its filters without JavaScript, the place page, and who may see
what (a refused call changes nothing)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from civicard.core import clock
from civicard.core.permissions import Role
from civicard.inclusion import operations
from civicard.inclusion.models import (
    Accompaniment,
    Goal,
    OfficeHours,
    Place,
    PlaceProposal,
)
from civicard.territory.models import Neighbourhood
from tests.inclusion.conftest import AT, csv_bytes, row

PARIS = ZoneInfo("Europe/Paris")
MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)


@pytest.fixture
def places(territory, validator):
    operations.import_places(source=csv_bytes(
        row(),
        row(id="lieu-2", nom="Espace payant du Port", commune="Sudville", code_insee="79002",
            latitude="46.0", longitude="-0.1", frais_a_charge="Payant",
            services="Loisirs et créations numériques"),
        row(id="lieu-3", nom="Permanence du samedi", horaires="Sa 09:00-12:00",
            latitude="46.2", longitude="-0.3"),
    ), territory=territory, actor=validator, at=AT)
    return {p.standard_id: p for p in Place.objects.all()}


def names(response):
    return [p.nom for p in response.context["page"]]


def test_list_filters_without_javascript(client, places):
    with clock.frozen(MONDAY_10):
        assert len(names(client.get("/inclusion/"))) == 3
        assert names(client.get("/inclusion/?free=on")) == ["Médiathèque du Centre",
                                                            "Permanence du samedi"]
        assert names(client.get("/inclusion/?free=on&open_now=on")) == [
            "Médiathèque du Centre"]
        service = "Loisirs et créations numériques"
        assert names(client.get("/inclusion/", {"service": service})) == [
            "Espace payant du Port"]
        assert names(client.get("/inclusion/?q=samedi")) == ["Permanence du samedi"]
        hood = Neighbourhood.objects.get(name="Le Port")
        near = client.get(f"/inclusion/?near={hood.pk}")
        assert names(near)[0] == "Espace payant du Port"
        assert names(client.get("/inclusion/?lat=46.2&lon=-0.3"))[0] == "Permanence du samedi"
    assert client.get("/inclusion/?near=99999&lat=abc").status_code == 200


def test_place_page_plain_hours_and_buttons(client, places, mediator):
    place = places["lieu-1"]
    OfficeHours.objects.create(mediator=mediator, place=place, weekday=3,
                               weeks_of_month="1,3", start_time=time(14), end_time=time(17),
                               valid_from=date(2026, 1, 1))
    with clock.frozen(MONDAY_10):
        page = client.get(f"/inclusion/places/{place.pk}/").content.decode()
    assert "<strong>Open now · until 12:00</strong>" in page
    assert "Today: 09:00–12:00, 14:00–18:00" in page
    assert ('<th scope="row">Saturday 14 March</th><td>Closed</td>' in page
            and '<th scope="row">Sunday 15 March</th><td>Closed</td>' in page)
    assert 'href="tel:+33549000000"' in page and "Call 05 49 00 00 00" in page
    assert 'href="mailto:mediatheque@example.org"' in page
    assert "Thursday 19 March, 14:00–17:00" in page
    assert "Help with online forms and public services" in page
    assert client.get("/inclusion/places/99999/").status_code == 404
    Place.objects.filter(pk=place.pk).update(status="hidden")
    assert client.get(f"/inclusion/places/{place.pk}/").status_code == 404


def test_map_page_serves_leaflet_and_works_without_tiles(client, places, settings):
    settings.CIVICARD_MAP_TILES_URL = ""
    page = client.get("/inclusion/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page and 'data-tiles=""' in page
    assert "See the same places as a list" in page


PAGES = {
    "/inclusion/": {None: 200, "resident": 200, "mediator": 200, "admin": 200},
    "/inclusion/propose/": {None: 302, "resident": 200, "mediator": 200, "admin": 200},
    "/inclusion/proposals/": {None: 302, "resident": 403, "mediator": 200, "admin": 200},
    "/inclusion/import/": {None: 302, "resident": 403, "mediator": 403, "admin": 200},
    "/inclusion/mediator/": {None: 302, "resident": 403, "mediator": 200, "admin": 404},
    "/inclusion/mediator/log/": {None: 302, "resident": 403, "mediator": 200, "admin": 404},
    "/inclusion/dashboard/": {None: 302, "resident": 403, "mediator": 200, "admin": 200},
    "/inclusion/dashboard.csv": {None: 302, "resident": 403, "mediator": 200, "admin": 200},
    "/inclusion/me/appointments/": {None: 302, "resident": 200, "mediator": 200, "admin": 200},
    "/inclusion/me/records/": {None: 302, "resident": 200, "mediator": 200, "admin": 200},
}


@pytest.fixture
def logins(make_login, validator, mediator, territory):
    goal = Goal.objects.create(territory=territory, name="Goal", percent=10, years=5,
                               start_date=date(2026, 1, 1))
    goal.neighbourhoods.add(Neighbourhood.objects.get(name="Les Tours"))
    return {None: None, "resident": make_login("r@example.org"), "mediator": validator,
            "admin": make_login("a@example.org", role=Role.ADMINISTRATOR)}


@pytest.mark.parametrize("path", PAGES)
def test_page_permission_matrix(client, logins, places, path):
    for who, expected in PAGES[path].items():
        client.logout()
        if logins[who]:
            client.force_login(logins[who])
        assert client.get(path).status_code == expected, (path, who)


def test_refused_posts_change_nothing(client, logins, places, mediator):
    proposal = operations.propose_place(territory=places["lieu-1"].territory,
                                        place=places["lieu-1"], data={"nom": "Changed"},
                                        proposer=logins["resident"].person, at=AT)
    client.force_login(logins["resident"])
    assert client.post(f"/inclusion/proposals/{proposal.pk}/",
                       {"decision": "accept"}).status_code == 403
    upload = SimpleUploadedFile("p.csv", csv_bytes(row(nom="Evil")), "text/csv")
    assert client.post("/inclusion/import/", {"file": upload}).status_code == 403
    assert client.post("/inclusion/mediator/log/", {
        "day": "2026-03-01", "place": places["lieu-1"].pk, "duration_minutes": 20,
        "themes": ["Aide aux démarches administratives"], "first_visit": "1",
        "first_name": "A", "family_name": "B", "birth_year": 1980}).status_code == 403
    assert PlaceProposal.objects.get().status == "pending"
    assert Place.objects.get(standard_id="lieu-1").nom == "Médiathèque du Centre"
    assert not Accompaniment.objects.exists()


def test_admin_upload_page_shows_the_report(client, logins, territory):
    client.force_login(logins["admin"])
    upload = SimpleUploadedFile("p.csv", csv_bytes(row(), row(id="x", code_postal="1")),
                                "text/csv")
    page = client.post("/inclusion/import/", {"file": upload}).content.decode()
    assert "New places: 1" in page and "Line 3, column “code_postal”" in page
    assert Place.objects.count() == 1


def test_mediator_logs_through_the_page_and_dashboard_counts(client, logins, places,
                                                              mediator):
    client.force_login(logins["mediator"])
    hood = Neighbourhood.objects.get(name="Les Tours")
    hood.population = 500
    hood.save()
    response = client.post("/inclusion/mediator/log/", {
        "day": "2026-03-01", "place": places["lieu-1"].pk, "duration_minutes": 20,
        "themes": ["Aide aux démarches administratives"], "first_visit": "1",
        "first_name": "Ana", "family_name": "B", "birth_year": 1980,
        "neighbourhood": hood.pk, "age_bracket": "45-59"})
    assert response.status_code == 302
    assert Accompaniment.objects.get().neighbourhood == hood
    with clock.frozen(AT):
        page = client.get("/inclusion/dashboard/").content.decode()
        csv = client.get("/inclusion/dashboard.csv").getvalue().decode()
    assert "1 person accompanied out of a target of 50" in page
    assert "<svg" in page and "<table>" in page
    assert "Les Tours,Nordville,500,50,2026-03,1,3" in csv


def test_the_log_form_opens_with_todays_date_in_the_date_inputs_iso_form(client, validator,
                                                                        mediator, places):
    validator.person.language = "fr"
    validator.person.save(update_fields=["language"])
    client.force_login(validator)
    page = client.get("/inclusion/mediator/log/").content.decode()
    today = clock.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    assert '<html lang="fr"' in page
    assert f'type="date" name="day" value="{today.isoformat()}"' in page
